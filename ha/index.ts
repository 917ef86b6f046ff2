// ha/: high availability — the replicated journal (primary -> standby over TCP, commit on
// the standby's acknowledgement), leader election and fencing through etcd.
export { HaError, HaErrorCounts, HaProblem, haErrorName } from './errors';
export { encodeFrame, FrameDecoder, FrameKind, checkRecords, type Frame, MAX_BODY_BYTES, RECORD_SIZE } from './replication-frame';
export { ReplicationServer, type ReplicationServerOptions, type ReplicationFigures } from './replication-server';
export { StandbyReplicator, type StandbyReplicatorOptions, type StandbyFigures } from './standby-replicator';
export { LeaderElection, parseClosedSession, parseLeader, type ClosedSession, type LeaderElectionOptions, type LeaderInfo, type ElectionState } from './leader-election';
export { LeaderWatch, type LeaderWatchOptions } from './leader-watch';
