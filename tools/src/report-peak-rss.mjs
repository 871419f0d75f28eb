// Preloaded (`node --import`) into a process whose peak memory a benchmark reports:
// prints the process's maximum resident set size, in kilobytes, to stderr as it exits.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  writeSync(2, `peak-rss-kb ${process.resourceUsage().maxRSS}\n`);
});
