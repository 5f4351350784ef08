// A DAG's schedule in words: the presets of docs/dag-format.md#schedules by
// hand, five-field cron expressions by cronstrue. Anything it cannot read is
// shown as written (the server validated it already).

import cronstrue from "cronstrue";

const PRESETS: Record<string, string> = {
  "@once": "Once, at the start date",
  "@hourly": "Every hour, at minute 0",
  "@daily": "Every day at 00:00",
  "@midnight": "Every day at 00:00",
  "@weekly": "Every Sunday at 00:00",
  "@monthly": "On the first day of every month at 00:00",
  "@yearly": "Every 1 January at 00:00",
  "@annually": "Every 1 January at 00:00",
};

export function scheduleWords(schedule: string | null | undefined, timezone?: string): string {
  if (!schedule) return "Only when triggered";
  const tz = timezone && timezone !== "UTC" ? ` (${timezone})` : timezone ? " (UTC)" : "";
  const preset = PRESETS[schedule.trim().toLowerCase()];
  if (preset) return schedule.trim().toLowerCase() === "@once" ? preset : preset + tz;
  try {
    return cronstrue.toString(schedule, { use24HourTimeFormat: true, verbose: false }) + tz;
  } catch {
    return schedule;
  }
}
