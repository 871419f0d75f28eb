// Preloaded (`node --import`) into a process whose cost a benchmark reports: prints the process's
// maximum resident set size (kilobytes) and its CPU time (microseconds) to stderr as it exits.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const usage = process.resourceUsage();
  writeSync(2, `peak-rss-kb ${usage.maxRSS} cpu-us ${usage.userCPUTime + usage.systemCPUTime}\n`);
});
