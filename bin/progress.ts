// A one-line progress bar on a terminal; silent when output is piped.
export class ProgressBar {
  private readonly enabled: boolean;
  private readonly label: string;
  private lastDraw = 0;

  constructor(label: string, stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = stream.isTTY === true;
    this.label = label;
  }

  progress(done: number, total: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && done < total) return;
    this.lastDraw = now;
    const width = 30;
    const filled = Math.round((done / Math.max(1, total)) * width);
    process.stderr.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`);
  }

  done(): void {
    if (this.enabled) process.stderr.write('\r\x1b[2K');
  }
}
