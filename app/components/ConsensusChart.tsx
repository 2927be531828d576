import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import {
  buildConsensusSeries,
  latestFigures,
  type ConsensusHistory,
  type ConsensusRange,
  type LatestFigures,
  type ShownScenario,
} from "~/domain/consensus-series";
import { toDisplayPercentages } from "~/domain/display-percentages";
import { scenarioColor } from "./scenario-colors";

export interface ConsensusChartProps extends ConsensusHistory {
  /** The viewer may not see the crowd yet: no crowd series is drawn and the chart says why. */
  crowdHidden?: boolean;
}

// Recharts is about 130 KB gzip, more than the rest of the page's script together, and it draws
// nothing during server rendering; it loads in its own chunk when the chart comes near the screen.
const ConsensusPlot = lazy(() =>
  import("./ConsensusChart.client").catch(() => ({ default: PlotUnavailable })),
);

const RANGES: { value: ConsensusRange; label: string }[] = [
  { value: "all", label: "All" },
  { value: "30d", label: "30 d" },
  { value: "7d", label: "7 d" },
];

/** Own-forecast markers differ by shape per scenario, so colour is never the only cue. */
const OWN_POINT_SHAPES = ["diamond", "square", "triangle", "star", "cross"] as const;
export type PointShape = (typeof OWN_POINT_SHAPES)[number];
const ownPointShape = (position: number) => OWN_POINT_SHAPES[position % OWN_POINT_SHAPES.length] as PointShape;

const longDate = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
const formatDate = (iso: string) => longDate.format(new Date(iso));
const percent = (value: number | null) => (value === null ? "–" : `${Math.round(value)}\u00a0%`);

/**
 * False on the server and during hydration (so both render the same placeholder), then true once
 * the element is within a screen's height of the viewport: readers who never scroll to the chart
 * never download it.
 */
function useNearViewport(element: Element | null) {
  const [near, setNear] = useState(false);
  useEffect(() => {
    if (!element || near) return;
    if (typeof IntersectionObserver === "undefined") {
      setNear(true);
      return;
    }
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) setNear(true);
    }, { rootMargin: "100% 0px" });
    observer.observe(element);
    return () => observer.disconnect();
  }, [element, near]);
  return near;
}

/**
 * The history of a question: the crowd's center per scenario (with its 25–75 % band where it stays
 * readable), the author's baseline as a dashed step line with a marker per revision, and the
 * viewer's own forecasts as points. The summary, the legend and a data table render on the server;
 * the drawing itself loads and mounts once the page is hydrated and the chart nears the viewport.
 */
export function ConsensusChart({ scenarios: allScenarios, kind, crowd, baseline, own, now, crowdHidden = false }: ConsensusChartProps) {
  const [range, setRange] = useState<ConsensusRange>("all");
  const [focused, setFocused] = useState<number | null>(null);
  const [overlay, setOverlay] = useState<HTMLDivElement | null>(null);
  const mounted = useNearViewport(overlay);

  // Keyed on the props themselves, so re-renders for hover or focus neither rebuild the series nor
  // hand recharts new data.
  const visible = useMemo<ConsensusHistory>(
    () => ({ scenarios: allScenarios, kind, crowd: crowdHidden ? [] : crowd, baseline, own, now }),
    [allScenarios, kind, crowd, baseline, own, now, crowdHidden],
  );
  const series = useMemo(() => buildConsensusSeries(visible, { range }), [visible, range]);
  const figures = useMemo(() => latestFigures(visible), [visible]);
  const scenarios = series.scenarios;
  const single = scenarios.length === 1;
  // Highlighting a scenario shows its band; without a crowd there is nothing to highlight.
  const highlightable = !single && series.hasCrowd;
  const noCrowd = !crowdHidden && crowd.length === 0;

  return (
    <div data-testid="consensus-chart" className="text-sm">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <Legend scenarios={scenarios} focused={highlightable ? focused : null} onFocus={highlightable ? setFocused : null} />
        <div role="group" aria-label="Time range" className="inline-flex shrink-0 overflow-hidden rounded-md border border-stone-300 dark:border-stone-700">
          {RANGES.map(({ value, label }) => (
            <button
              key={value}
              type="button"
              aria-pressed={range === value}
              onClick={() => setRange(value)}
              className="min-h-8 min-w-11 border-l border-stone-300 px-2.5 py-1 font-medium first:border-l-0 hover:bg-stone-100 aria-pressed:bg-stone-800 aria-pressed:text-white dark:border-stone-700 dark:hover:bg-stone-800 dark:aria-pressed:bg-stone-200 dark:aria-pressed:text-stone-900"
            >
              {label}
            </button>
          ))}
        </div>
      </div>

      {crowdHidden && (
        <p className="mt-3 text-stone-600 dark:text-stone-300" data-testid="crowd-hidden-note">
          The crowd’s forecasts stay hidden until you make your own, so that yours is independent. The chart shows the
          author’s baseline{series.hasOwn ? " and your forecasts" : ""}.
        </p>
      )}
      {noCrowd && <p className="mt-3 text-stone-600 dark:text-stone-300">No forecasts yet — be the first.</p>}

      <div className="relative mt-3 h-64 w-full sm:h-72">
        <div role="img" aria-label={describe(scenarios, figures, crowdHidden)} className="h-full w-full">
          {mounted ? (
            <Suspense fallback={<ChartSkeleton />}>
              <ConsensusPlot series={series} focused={single ? 0 : highlightable ? focused : null} overlay={overlay} shapeOf={ownPointShape} />
            </Suspense>
          ) : (
            <ChartSkeleton />
          )}
        </div>
        {/* Revision markers are buttons; inside role="img" they would be hidden from assistive technology. */}
        <div ref={setOverlay} className="pointer-events-none absolute inset-0" />
      </div>

      <LineKey
        crowd={series.hasCrowd}
        band={series.hasCrowd && (single || focused !== null)}
        baseline={series.hasBaseline}
        own={series.hasOwn}
        single={single}
      />

      <details className="mt-3">
        <summary className="cursor-pointer text-stone-600 underline-offset-2 hover:underline dark:text-stone-300">Show the data as a table</summary>
        <DataTables history={visible} scenarios={scenarios} figures={figures} crowdHidden={crowdHidden} />
      </details>
    </div>
  );
}

function ChartSkeleton() {
  return (
    <div className="flex h-full w-full items-center justify-center rounded-md bg-stone-100 text-stone-500 motion-safe:animate-pulse dark:bg-stone-900 dark:text-stone-400">
      Loading the chart…
    </div>
  );
}

function PlotUnavailable() {
  return (
    <div className="flex h-full w-full items-center justify-center rounded-md border border-dashed border-stone-300 p-4 text-center text-stone-600 dark:border-stone-700 dark:text-stone-300">
      The chart could not load. The figures are in the table below.
    </div>
  );
}

function Legend({
  scenarios,
  focused,
  onFocus,
}: {
  scenarios: ShownScenario[];
  focused: number | null;
  onFocus: ((position: number | null) => void) | null;
}) {
  const items = scenarios.map((scenario, position) => {
    const content = (
      <>
        <svg width="22" height="12" viewBox="0 0 22 12" aria-hidden="true" className="shrink-0">
          <line x1="0" y1="6" x2="22" y2="6" strokeWidth="2.5" className={scenarioColor(scenario.index).stroke} />
          <ShapeGlyph shape={ownPointShape(position)} className={scenarioColor(scenario.index).fill} />
        </svg>
        <span>{scenario.title}</span>
      </>
    );
    return (
      <li key={scenario.id}>
        {onFocus ? (
          <button
            type="button"
            aria-pressed={focused === position}
            onClick={() => onFocus(focused === position ? null : position)}
            className="inline-flex min-h-8 items-center gap-1.5 rounded-md px-1.5 py-1 hover:bg-stone-100 aria-pressed:bg-stone-200 aria-pressed:font-semibold dark:hover:bg-stone-800 dark:aria-pressed:bg-stone-800"
          >
            {content}
          </button>
        ) : (
          <span className="inline-flex min-h-8 items-center gap-1.5 px-1.5 py-1">{content}</span>
        )}
      </li>
    );
  });
  return onFocus ? (
    <div role="group" aria-label="Highlight a scenario (shows its middle half of forecasts)">
      <ul className="flex flex-wrap gap-x-2 gap-y-1">{items}</ul>
    </div>
  ) : (
    <ul className="flex flex-wrap gap-x-2 gap-y-1">{items}</ul>
  );
}

/** The legend's small copies of the chart's point shapes (the chart itself draws recharts' Symbols). */
const GLYPH_POINTS: Record<PointShape, string> = {
  diamond: "11,1.5 15.5,6 11,10.5 6.5,6",
  square: "7.5,2.5 14.5,2.5 14.5,9.5 7.5,9.5",
  triangle: "11,1.5 15.5,10 6.5,10",
  star: "11,1 12.4,4.6 16,4.8 13.2,7.1 14.1,10.7 11,8.7 7.9,10.7 8.8,7.1 6,4.8 9.6,4.6",
  cross: "9.5,1.5 12.5,1.5 12.5,4.5 15.5,4.5 15.5,7.5 12.5,7.5 12.5,10.5 9.5,10.5 9.5,7.5 6.5,7.5 6.5,4.5 9.5,4.5",
};

function ShapeGlyph({ shape, className }: { shape: PointShape; className: string }) {
  return <polygon points={GLYPH_POINTS[shape]} className={`${className} stroke-stone-50 dark:stroke-stone-950`} strokeWidth="1" />;
}

/** Which line style means what; colour only says which scenario. */
function LineKey({ crowd, band, baseline, own, single }: { crowd: boolean; band: boolean; baseline: boolean; own: boolean; single: boolean }) {
  const neutral = "stroke-stone-500 dark:stroke-stone-400";
  return (
    <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-stone-600 dark:text-stone-400">
      {crowd && (
        <li className="inline-flex items-center gap-1.5">
          <svg width="22" height="10" aria-hidden="true">
            <line x1="0" y1="5" x2="22" y2="5" strokeWidth="2.5" className={neutral} />
          </svg>
          Crowd (recency-weighted median)
        </li>
      )}
      {band && (
        <li className="inline-flex items-center gap-1.5">
          <svg width="22" height="10" aria-hidden="true">
            <rect x="0" y="1" width="22" height="8" className="fill-stone-400/30 dark:fill-stone-400/40" />
          </svg>
          Middle half of forecasts (25–75 %)
        </li>
      )}
      {baseline && (
        <li className="inline-flex items-center gap-1.5">
          <svg width="22" height="10" aria-hidden="true">
            <line x1="0" y1="5" x2="22" y2="5" strokeWidth="1.5" strokeDasharray="5 3" className={neutral} />
            <circle cx="11" cy="5" r="3" strokeWidth="1.5" className={`${neutral} fill-stone-50 dark:fill-stone-950`} />
          </svg>
          Author’s baseline (circle: a revision)
        </li>
      )}
      {own && (
        <li className="inline-flex items-center gap-1.5">
          <svg width="22" height="10" viewBox="0 1 22 10" aria-hidden="true">
            <polygon points={GLYPH_POINTS.diamond} className="fill-stone-500 dark:fill-stone-400" />
          </svg>
          {single ? "Your forecasts" : "Your forecasts (one shape per scenario)"}
        </li>
      )}
    </ul>
  );
}

function list(scenarios: ShownScenario[], values: (number | null)[]) {
  return scenarios.map((scenario, position) => `${scenario.title} ${percent(values[position] ?? null)}`).join(", ");
}

/** The chart's accessible name: the latest figures in words, since the drawing itself is not readable. */
function describe(scenarios: ShownScenario[], figures: LatestFigures, crowdHidden: boolean): string {
  const parts = ["Chart of the forecasts over time."];
  if (crowdHidden) parts.push("The crowd’s forecasts are hidden until you make your own.");
  else if (!figures.crowd) parts.push("No forecasts yet.");
  else {
    const { centers, bands } = figures.crowd;
    const band = scenarios.length === 1 && bands[0] ? ` (middle half ${percent(bands[0][0])} to ${percent(bands[0][1])})` : "";
    parts.push(`Crowd now: ${list(scenarios, centers)}${band}.`);
  }
  if (figures.baseline) parts.push(`Author’s baseline since ${formatDate(figures.baseline.at)}: ${list(scenarios, figures.baseline.values)}.`);
  else parts.push("No baseline from the author.");
  if (figures.own) parts.push(`Your latest forecast, ${formatDate(figures.own.at)}: ${list(scenarios, figures.own.values)}.`);
  return parts.join(" ");
}

function DataTables({
  history,
  scenarios,
  figures,
  crowdHidden,
}: {
  history: ConsensusHistory;
  scenarios: ShownScenario[];
  figures: LatestFigures;
  crowdHidden: boolean;
}) {
  const cell = "border-b border-stone-200 px-2 py-1.5 align-top dark:border-stone-800";
  const head = `${cell} font-semibold`;
  return (
    <div className="mt-3 space-y-5">
      <div className="overflow-x-auto">
        <table className="w-full text-left tabular-nums">
          <caption className="mb-1 text-left font-semibold">Latest figures</caption>
          <thead>
            <tr>
              <th scope="col" className={head}>
                {scenarios.length === 1 ? "Claim" : "Scenario"}
              </th>
              <th scope="col" className={head}>
                Crowd
              </th>
              <th scope="col" className={head}>
                Middle half (25–75 %)
              </th>
              <th scope="col" className={head}>
                Author
              </th>
              {figures.own && (
                <th scope="col" className={head}>
                  You
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {scenarios.map((scenario, position) => {
              const band = figures.crowd?.bands[position];
              return (
                <tr key={scenario.id}>
                  <th scope="row" className={`${cell} font-normal`}>
                    {scenario.title}
                  </th>
                  <td className={cell}>{crowdHidden ? "hidden" : percent(figures.crowd?.centers[position] ?? null)}</td>
                  <td className={`${cell} whitespace-nowrap`}>{crowdHidden ? "hidden" : band ? `${Math.round(band[0])}–${percent(band[1])}` : "–"}</td>
                  <td className={cell}>{percent(figures.baseline?.values[position] ?? null)}</td>
                  {figures.own && <td className={cell}>{percent(figures.own.values[position] ?? null)}</td>}
                </tr>
              );
            })}
          </tbody>
        </table>
        <p className="mt-1 text-xs text-stone-500 dark:text-stone-400">
          {crowdHidden
            ? "The crowd’s figures are hidden until you make your own forecast."
            : figures.crowd
              ? `Crowd as of ${formatDate(figures.crowd.at)}.`
              : "No forecasts yet."}
        </p>
      </div>

      <div className="overflow-x-auto">
        <table className="w-full text-left tabular-nums">
          <caption className="mb-1 text-left font-semibold">The author’s baseline revisions</caption>
          <thead>
            <tr>
              <th scope="col" className={head}>
                Date
              </th>
              {scenarios.map((scenario) => (
                <th key={scenario.id} scope="col" className={head}>
                  {scenario.title}
                </th>
              ))}
              <th scope="col" className={head}>
                Note
              </th>
            </tr>
          </thead>
          <tbody>
            {history.baseline.length === 0 ? (
              <tr>
                <td colSpan={scenarios.length + 2} className={cell}>
                  No baseline from the author yet.
                </td>
              </tr>
            ) : (
              history.baseline.map((revision, i) => {
                // Whole percentages that add up to 100 across all scenarios, as the page prints them.
                const whole = toDisplayPercentages(revision.probabilities);
                return (
                  <tr key={`${revision.at}-${i}`}>
                    <th scope="row" className={`${cell} whitespace-nowrap font-normal`}>
                      <time dateTime={revision.at}>{formatDate(revision.at)}</time>
                    </th>
                    {scenarios.map((scenario) => (
                      <td key={scenario.id} className={cell}>
                        {percent(whole[scenario.index] ?? null)}
                      </td>
                    ))}
                    <td className={`${cell} min-w-[12rem]`}>{revision.note || "–"}</td>
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
