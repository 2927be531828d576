// One colour per scenario position, shared by the forecast inputs, the split preview and the
// charts, so "scenario 2" is the same colour everywhere on a page. The hues follow the order
// BaselineBar already used; the shades were picked so that every colour has at least 3:1
// contrast (WCAG 1.4.11) against white and stone-50 in light mode and against stone-900/950 in
// dark mode. Colour is never the only cue: every use also prints the scenario's title.
//
// The class strings are written out in full because Tailwind only generates classes it can
// find verbatim in the source.

export interface ScenarioColor {
  /** A name for tests and debugging, not for display. */
  name: string;
  /** For SVG or canvas drawing, where classes do not reach; pick by `prefers-color-scheme`. */
  hex: { light: string; dark: string };
  /** Background of bar segments and legend dots. */
  bg: string;
  /** SVG fills (areas, dots). */
  fill: string;
  /** SVG strokes (lines). */
  stroke: string;
  /** `accent-color` of native controls such as range sliders. */
  accent: string;
}

export const SCENARIO_COLORS: readonly ScenarioColor[] = [
  {
    name: "blue",
    hex: { light: "#1f57c2", dark: "#5b91ec" },
    bg: "bg-accent-600 dark:bg-accent-400",
    fill: "fill-accent-600 dark:fill-accent-400",
    stroke: "stroke-accent-600 dark:stroke-accent-400",
    accent: "accent-accent-600 dark:accent-accent-400",
  },
  {
    name: "amber",
    hex: { light: "#d97706", dark: "#fbbf24" },
    bg: "bg-amber-600 dark:bg-amber-400",
    fill: "fill-amber-600 dark:fill-amber-400",
    stroke: "stroke-amber-600 dark:stroke-amber-400",
    accent: "accent-amber-600 dark:accent-amber-400",
  },
  {
    name: "rose",
    hex: { light: "#e11d48", dark: "#fb7185" },
    bg: "bg-rose-600 dark:bg-rose-400",
    fill: "fill-rose-600 dark:fill-rose-400",
    stroke: "stroke-rose-600 dark:stroke-rose-400",
    accent: "accent-rose-600 dark:accent-rose-400",
  },
  {
    name: "emerald",
    hex: { light: "#047857", dark: "#34d399" },
    bg: "bg-emerald-700 dark:bg-emerald-400",
    fill: "fill-emerald-700 dark:fill-emerald-400",
    stroke: "stroke-emerald-700 dark:stroke-emerald-400",
    accent: "accent-emerald-700 dark:accent-emerald-400",
  },
  {
    name: "violet",
    hex: { light: "#7c3aed", dark: "#a78bfa" },
    bg: "bg-violet-600 dark:bg-violet-400",
    fill: "fill-violet-600 dark:fill-violet-400",
    stroke: "stroke-violet-600 dark:stroke-violet-400",
    accent: "accent-violet-600 dark:accent-violet-400",
  },
  {
    name: "slate",
    hex: { light: "#64748b", dark: "#94a3b8" },
    bg: "bg-slate-500 dark:bg-slate-400",
    fill: "fill-slate-500 dark:fill-slate-400",
    stroke: "stroke-slate-500 dark:stroke-slate-400",
    accent: "accent-slate-500 dark:accent-slate-400",
  },
];

/** Questions with more scenarios than colours reuse them in order; neighbours still differ. */
export function scenarioColor(position: number): ScenarioColor {
  const count = SCENARIO_COLORS.length;
  // Length is a non-empty constant, so the lookup always succeeds.
  return SCENARIO_COLORS[((position % count) + count) % count] as ScenarioColor;
}
