// Entry point for a child process (bench/hot-path-facts.ts builds this file with esbuild,
// bundled or as ESM, and runs it): prints one JSON line of the getter figures.
import { measureGetters } from './getter-runner.js';

const budgetMs = Number(process.env.TW_FACTS_BUDGET_MS ?? 1500);
const seed = Number(process.env.TW_FACTS_SEED ?? 1);
console.log(JSON.stringify(measureGetters(budgetMs, seed)));
