/**
 * The CLI, run in this process after planting symlinks at names that hold
 * this process's pid: what someone who can write the store does ahead of a
 * cron job, trying the pids in turn. argv[2] is JSON, [[link, target], ...],
 * with {pid} in a link standing for the pid; the rest are the CLI's arguments.
 */
import fs from "fs";
import { CLI } from "./cli";

const [node, , links, ...args] = process.argv;
for (const [link, target] of JSON.parse(links) as [string, string][]) fs.symlinkSync(target, link.replace("{pid}", String(process.pid)));
process.argv = [node, CLI, ...args];
require(CLI);
