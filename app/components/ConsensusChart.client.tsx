import { useId, useMemo, useState, useSyncExternalStore } from "react";
import { createPortal } from "react-dom";
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Symbols,
  Tooltip,
  XAxis,
  YAxis,
  useChartWidth,
  usePlotArea,
  useXAxisScale,
  type DotItemDotProps,
  type TooltipContentProps,
} from "recharts";
import { timeTicks, type ConsensusRow, type ConsensusSeries, type ShownScenario, type TickUnit } from "~/domain/consensus-series";
import type { PointShape } from "./ConsensusChart";
import { scenarioColor } from "./scenario-colors";

/**
 * The recharts drawing behind ConsensusChart, in its own chunk. Only ConsensusChart renders it, and
 * only after hydration, so browser-only values (the colour scheme, the container's width) never
 * have to match a server render.
 */
export interface ConsensusPlotProps {
  series: ConsensusSeries;
  /** Position (in `series.scenarios`) whose 25–75 % band is drawn; the others are dimmed. */
  focused: number | null;
  /** Where the revision markers go: outside the role="img" drawing, so they stay reachable. */
  overlay: HTMLElement | null;
  shapeOf: (position: number) => PointShape;
}

const DARK_QUERY = "(prefers-color-scheme: dark)";
const subscribeToScheme = (onChange: () => void) => {
  const query = window.matchMedia(DARK_QUERY);
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
};
/** Tailwind's dark mode follows the media query; SVG attributes cannot use its classes, so read it here. */
function usePrefersDark() {
  return useSyncExternalStore(
    subscribeToScheme,
    () => window.matchMedia(DARK_QUERY).matches,
    () => false,
  );
}

// stone-500/400 for labels, stone-200/800 for rules, the page background for hollow markers.
const INK = {
  light: { label: "#78716c", rule: "#e7e5e4", guide: "#a8a29e", background: "#fafaf9" },
  dark: { label: "#a8a29e", rule: "#292524", guide: "#57534e", background: "#0c0a09" },
};

// Long enough to follow a live update with the eye, short enough not to lag behind it. Recharts
// skips animation by itself when the reader prefers reduced motion.
const ANIMATION_MS = 450;
// Recharts drops labels that would collide, so narrow screens show fewer of these.
const MAX_TICKS = 6;
const DIMMED = 0.3;

const TICK_FORMATS: Record<TickUnit, Intl.DateTimeFormat> = {
  hour: new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" }),
  day: new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" }),
  month: new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric", timeZone: "UTC" }),
};
const dateTime = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
});
const whenText = (t: number) => `${dateTime.format(t)} UTC`;
const percent = (value: number | null | undefined) => (value === null || value === undefined ? "–" : `${Math.round(value)}\u00a0%`);

export default function ConsensusPlot({ series, focused, overlay, shapeOf }: ConsensusPlotProps) {
  const dark = usePrefersDark();
  const ink = dark ? INK.dark : INK.light;
  const colourOf = (scenario: ShownScenario) => scenarioColor(scenario.index).hex[dark ? "dark" : "light"];
  const [start, end] = series.domain;
  const { unit, ticks } = useMemo(() => timeTicks(start, end, MAX_TICKS), [start, end]);
  const revisions = useMemo(() => series.rows.filter((row) => row.revision), [series.rows]);
  const rowAt = useMemo(() => new Map(series.rows.map((row) => [row.t, row])), [series.rows]);
  const dimmed = (position: number) => focused !== null && focused !== position;

  return (
    <ResponsiveContainer width="100%" height="100%">
      <ComposedChart data={series.rows} margin={{ top: 30, right: 16, bottom: 0, left: 0 }} accessibilityLayer={false}>
        <CartesianGrid vertical={false} stroke={ink.rule} />
        <XAxis
          dataKey="t"
          type="number"
          domain={series.domain}
          ticks={ticks}
          tickFormatter={(t: number) => TICK_FORMATS[unit].format(t)}
          tick={{ fill: ink.label, fontSize: 12 }}
          stroke={ink.rule}
          tickLine={false}
          minTickGap={12}
        />
        <YAxis
          domain={[0, 100]}
          ticks={[0, 25, 50, 75, 100]}
          tickFormatter={(value: number) => `${value}\u00a0%`}
          tick={{ fill: ink.label, fontSize: 12 }}
          width={46}
          axisLine={false}
          tickLine={false}
        />

        {revisions.map((row) => (
          <ReferenceLine key={`revision-${row.t}`} x={row.t} stroke={ink.guide} strokeDasharray="2 4" ifOverflow="hidden" />
        ))}

        {series.hasCrowd &&
          series.scenarios.map((scenario, position) =>
            focused === position ? (
              <Area
                key={`band-${scenario.id}`}
                dataKey={`band.${position}`}
                type="stepAfter"
                stroke="none"
                fill={colourOf(scenario)}
                fillOpacity={dark ? 0.25 : 0.16}
                activeDot={false}
                legendType="none"
                animationDuration={ANIMATION_MS}
              />
            ) : null,
          )}

        {series.hasBaseline &&
          series.scenarios.map((scenario, position) => (
            <Line
              key={`baseline-${scenario.id}`}
              dataKey={`baseline.${position}`}
              name={`${scenario.title}, author’s baseline`}
              type="stepAfter"
              stroke={colourOf(scenario)}
              strokeWidth={1.5}
              strokeDasharray="6 4"
              strokeOpacity={dimmed(position) ? DIMMED : 1}
              dot={(props: DotItemDotProps) => <RevisionDot {...props} colour={colourOf(scenario)} background={ink.background} />}
              activeDot={false}
              animationDuration={ANIMATION_MS}
            />
          ))}

        {series.hasCrowd &&
          series.scenarios.map((scenario, position) => (
            <Line
              key={`crowd-${scenario.id}`}
              data-testid="crowd-line"
              dataKey={`crowd.${position}`}
              name={`${scenario.title}, crowd`}
              type="stepAfter"
              stroke={colourOf(scenario)}
              strokeWidth={2.5}
              strokeOpacity={dimmed(position) ? DIMMED : 1}
              dot={false}
              activeDot={{ r: 4, stroke: ink.background, strokeWidth: 2 }}
              animationDuration={ANIMATION_MS}
            />
          ))}

        {series.hasOwn &&
          series.scenarios.map((scenario, position) => (
            <Line
              key={`own-${scenario.id}`}
              dataKey={`own.${position}`}
              name={`${scenario.title}, your forecast`}
              stroke="none"
              dot={(props: DotItemDotProps) => (
                <OwnPoint {...props} shape={shapeOf(position)} colour={colourOf(scenario)} background={ink.background} />
              )}
              activeDot={false}
              legendType="none"
              // Points have nothing to tween; they should sit still while the lines move.
              isAnimationActive={false}
            />
          ))}

        <Tooltip
          content={(props: TooltipContentProps) => <RowTooltip row={rowAt.get(Number(props.label))} active={props.active} series={series} colourOf={colourOf} />}
          cursor={{ stroke: ink.guide, strokeDasharray: "3 3" }}
          isAnimationActive={false}
        />

        {overlay && <RevisionMarkers overlay={overlay} rows={revisions} scenarios={series.scenarios} />}
      </ComposedChart>
    </ResponsiveContainer>
  );
}

function RevisionDot({ cx, cy, payload, colour, background }: DotItemDotProps & { colour: string; background: string }) {
  if (cx === undefined || cy === undefined || !(payload as ConsensusRow | undefined)?.revision) return null;
  return <circle cx={cx} cy={cy} r={4} fill={background} stroke={colour} strokeWidth={2} />;
}

function OwnPoint({ cx, cy, value, shape, colour, background }: DotItemDotProps & { shape: PointShape; colour: string; background: string }) {
  if (cx === undefined || cy === undefined || value === null || value === undefined) return null;
  return (
    <Symbols
      cx={cx}
      cy={cy}
      type={shape}
      size={shape === "star" || shape === "cross" ? 90 : 70}
      fill={colour}
      stroke={background}
      strokeWidth={1.5}
      data-testid="own-forecast-point"
    />
  );
}

function RowTooltip({
  row,
  active,
  series,
  colourOf,
}: {
  row: ConsensusRow | undefined;
  active: boolean | undefined;
  series: ConsensusSeries;
  colourOf: (scenario: ShownScenario) => string;
}) {
  if (!active || !row) return null;
  const hasCrowd = row.crowd.some((value) => value !== null);
  const hasBaseline = row.baseline.some((value) => value !== null);
  const hasOwn = row.own.some((value) => value !== null);
  const cell = "px-1.5 py-0.5 text-right";
  return (
    <div className="max-w-[17rem] rounded-md border border-stone-200 bg-white/95 p-2 text-xs text-stone-800 shadow-md dark:border-stone-700 dark:bg-stone-900/95 dark:text-stone-100">
      <p className="font-semibold">{whenText(row.t)}</p>
      <table className="mt-1 tabular-nums">
        <thead className="text-stone-500 dark:text-stone-400">
          <tr>
            <th className="sr-only">Scenario</th>
            {hasCrowd && <th className={`${cell} font-normal`}>Crowd</th>}
            {hasBaseline && <th className={`${cell} font-normal`}>Author</th>}
            {hasOwn && <th className={`${cell} font-normal`}>You</th>}
          </tr>
        </thead>
        <tbody>
          {series.scenarios.map((scenario, position) => {
            const band = row.band[position];
            return (
              <tr key={scenario.id}>
                <th scope="row" className="flex items-center gap-1.5 py-0.5 pr-1 text-left font-normal">
                  <span className="inline-block h-2 w-2 shrink-0 rounded-full" style={{ backgroundColor: colourOf(scenario) }} />
                  <span className="truncate">{scenario.title}</span>
                </th>
                {hasCrowd && (
                  <td className={cell}>
                    {percent(row.crowd[position])}
                    {series.scenarios.length === 1 && band && (
                      <span className="text-stone-500 dark:text-stone-400">
                        {" "}
                        ({Math.round(band[0])}–{percent(band[1])})
                      </span>
                    )}
                  </td>
                )}
                {hasBaseline && <td className={cell}>{percent(row.baseline[position])}</td>}
                {hasOwn && <td className={`${cell} font-semibold`}>{percent(row.own[position])}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
      {row.revision && (
        <p className="mt-1.5 border-t border-stone-200 pt-1.5 dark:border-stone-700">
          <span className="font-semibold">Baseline revised:</span> {row.revision.note || "no note"}
        </p>
      )}
    </div>
  );
}

/**
 * One focusable marker per baseline revision above the plot, with the revision's date,
 * figures and note on hover or focus (dismissed with Escape). They are HTML buttons portalled
 * next to the drawing: keyboard and screen-reader users reach them, which they could not inside
 * an SVG with role="img".
 */
function RevisionMarkers({ overlay, rows, scenarios }: { overlay: HTMLElement; rows: ConsensusRow[]; scenarios: ShownScenario[] }) {
  const xOf = useXAxisScale();
  const plot = usePlotArea();
  const width = useChartWidth();
  const [open, setOpen] = useState<number | null>(null);
  const id = useId();
  if (!xOf || !plot || !width) return null;

  return createPortal(
    rows.map((row) => {
      const left = xOf(row.t);
      if (left === undefined || !row.revision) return null;
      const tooltipId = `${id}-${row.t}`;
      const label = whenText(row.t);
      // The note opens towards the middle of the chart so it never runs off the edge.
      const side = left > width / 2 ? { right: -8 } : { left: -8 };
      return (
        <div
          key={row.t}
          className="absolute"
          // Above the plot area, clear of the lines and of the y axis' top label.
          style={{ left, top: plot.y - 16 }}
          onMouseEnter={() => setOpen(row.t)}
          onMouseLeave={() => setOpen((current) => (current === row.t ? null : current))}
        >
          <button
            type="button"
            aria-label={`Baseline revision, ${label}`}
            aria-describedby={tooltipId}
            onFocus={() => setOpen(row.t)}
            onBlur={() => setOpen((current) => (current === row.t ? null : current))}
            onKeyDown={(event) => {
              if (event.key === "Escape") setOpen(null);
            }}
            className="pointer-events-auto absolute grid h-6 w-6 -translate-x-1/2 -translate-y-1/2 place-items-center rounded-full"
          >
            <span aria-hidden="true" className="h-2.5 w-2.5 rotate-45 border-2 border-stone-600 bg-stone-50 dark:border-stone-300 dark:bg-stone-950" />
          </button>
          <div
            id={tooltipId}
            role="tooltip"
            hidden={open !== row.t}
            style={side}
            className="pointer-events-auto absolute top-3 z-10 w-60 max-w-[80vw] rounded-md border border-stone-200 bg-white p-2 text-xs text-stone-800 shadow-md dark:border-stone-700 dark:bg-stone-900 dark:text-stone-100"
          >
            <p className="font-semibold">Baseline revised {label}</p>
            <p className="mt-1 tabular-nums">
              {scenarios.map((scenario, position) => `${scenario.title} ${percent(row.baseline[position])}`).join(" · ")}
            </p>
            <p className="mt-1">{row.revision.note || "No note."}</p>
          </div>
        </div>
      );
    }),
    overlay,
  );
}
