import { useEffect, useId, useRef, useState, type KeyboardEvent } from "react";
import { flushSync } from "react-dom";
import { parsePercentText, probabilityFieldName, WHOLE_VECTOR_ERROR_PATH } from "~/domain/probability-fields";
import { evenSplit, rebalance, roundToTotal, sumOf } from "~/domain/rebalance";
import { FieldErrors, FormErrors } from "./FormField";
import { scenarioColor } from "./scenario-colors";

export interface ProbabilityInputsProps {
  /** In scenario order; for "binary", [Yes, No]. */
  scenarios: { id: string; title: string }[];
  kind: "scenarios" | "binary";
  /** The reader's last forecast in percent, or null for an even split (binary: 50 %). */
  defaultPercentages: number[] | null;
  /** Field name (`p_<scenarioId>`, or `probabilities` for the whole vector) -> server messages. */
  errors?: Record<string, string[] | undefined>;
  disabled?: boolean;
  /** Called with the rebalanced split, in scenario order, whenever the reader changes it. */
  onChange?(percentages: number[]): void;
}


/**
 * Whole percentages unless the reader asks for finer ones: a stored forecast or a typed value
 * with decimals keeps 0.1 % precision, everything else stays on whole numbers.
 */
const stepFor = (values: readonly number[]) => (values.every((value) => Math.abs(value - Math.round(value)) < 1e-9) ? 1 : 0.1);

const formatPercentage = (value: number) => String(Math.round(value * 10) / 10);

// Typed values may carry more decimals than the fields' step; a total shown as "100 %" in red
// would contradict itself.
const formatTotal = (value: number) => String(Math.round(value * 100) / 100);

/** Typed text to a number as the server reads it; NaN for a blank, which the browser also reports for "-" or "1e". */
const parsePercentage = (text: string): number => parsePercentText(text.replace(",", ".")) ?? Number.NaN;

const isPercentage = (value: number) => Number.isFinite(value) && value >= 0 && value <= 100;

function initialPercentages(kind: ProbabilityInputsProps["kind"], count: number, defaults: number[] | null): number[] {
  if (count === 0) return [];
  if (kind === "binary") {
    const yes = defaults?.[0];
    const start = yes !== undefined && isPercentage(yes) ? yes : 50;
    return rebalance(evenSplit(count), 0, start, stepFor([start]));
  }
  // A forecast made before a scenario was added (or corrupt data) cannot be mapped; start even.
  const usable = defaults !== null && defaults.length === count && defaults.every(isPercentage) && defaults.some((value) => value > 0);
  return usable ? roundToTotal(defaults, stepFor(defaults)) : evenSplit(count);
}

interface Split {
  values: number[];
  /** What each number input shows; differs from `values` only while the reader is typing. */
  drafts: string[];
}

const splitOf = (values: number[]): Split => ({ values, drafts: values.map(formatPercentage) });

/**
 * False during the server render and the hydrating render. Controls that only work with
 * JavaScript (sliders, the reset button, the derived "No" field) wait for it, so a reader
 * without JavaScript gets plain number fields that post what they show.
 */
function useHydrated() {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}

const numberInputClass =
  "block h-11 w-24 rounded-md border border-stone-300 bg-white px-2 text-right text-base tabular-nums shadow-sm focus:border-accent-500 focus:outline-none focus:ring-2 focus:ring-accent-500/40 disabled:cursor-not-allowed disabled:opacity-60 aria-[invalid=true]:border-red-600 dark:border-stone-700 dark:bg-stone-900";

/**
 * A probability for every scenario, always adding up to 100 %: each scenario has a slider
 * (rebalances the others while it moves) and a number field (rebalances them when the reader
 * leaves it or presses Enter). Only the number fields carry names, so the form posts one
 * `p_<scenarioId>` per scenario whether or not JavaScript ran.
 */
export function ProbabilityInputs({ scenarios, kind, defaultPercentages, errors, disabled = false, onChange }: ProbabilityInputsProps) {
  const baseId = useId();
  const hydrated = useHydrated();
  const [split, setSplit] = useState(() => splitOf(initialPercentages(kind, scenarios.length, defaultPercentages)));
  const [announcement, setAnnouncement] = useState("");

  // A new question or a newly saved forecast replaces the reader's edits; a parent that merely
  // re-renders with an equal array (Remix revalidating after a failed save) must not.
  const resetKey = JSON.stringify([kind, scenarios.map((scenario) => scenario.id), defaultPercentages]);
  const [seenResetKey, setSeenResetKey] = useState(resetKey);
  if (seenResetKey !== resetKey) {
    setSeenResetKey(resetKey);
    setSplit(splitOf(initialPercentages(kind, scenarios.length, defaultPercentages)));
  }

  // While one slider moves, every step is computed from the split as it was when the slider was
  // taken, so sliding to 100 % and back restores the others' proportions instead of losing them.
  const sliderStart = useRef<{ index: number; values: number[] } | null>(null);
  const lastSet = useRef<number | null>(null);

  if (scenarios.length === 0) return null;

  const { values, drafts } = split;
  const binary = kind === "binary";
  const visible = binary ? scenarios.slice(0, 1) : scenarios;
  const noScenario = binary ? scenarios[1] : undefined;

  const describeSplit = (next: number[]) =>
    `${next.map((value, index) => `${scenarios[index]?.title ?? ""} ${formatPercentage(value)} %`).join(", ")}.`;

  function apply(next: number[], announce: boolean) {
    setSplit(splitOf(next));
    // Slider moves are announced by the slider itself; announcing every step would flood.
    if (announce) setAnnouncement(describeSplit(next));
    onChange?.(next);
  }

  function commitTyped(index: number) {
    sliderStart.current = null;
    const typed = parsePercentage(drafts[index] ?? "");
    const current = values[index] ?? 0;
    if (Number.isNaN(typed) || typed === current) {
      if (drafts[index] !== formatPercentage(current)) setSplit(splitOf(values));
      return;
    }
    apply(rebalance(values, index, typed, stepFor([typed]), pinnedFor(index)), true);
    lastSet.current = index;
  }

  function slide(index: number, raw: string) {
    const start = sliderStart.current?.index === index ? sliderStart.current.values : values;
    sliderStart.current = { index, values: start };
    apply(rebalance(start, index, Number(raw), 1, pinnedFor(index)), false);
  }

  // The scenario the reader set last stays put while they set another (see rebalance's `pinned`).
  const pinnedFor = (index: number) => (lastSet.current !== null && lastSet.current !== index ? [lastSet.current] : []);

  function resetEven() {
    sliderStart.current = null;
    lastSet.current = null;
    apply(evenSplit(scenarios.length), true);
  }

  function onNumberKeyDown(event: KeyboardEvent<HTMLInputElement>, index: number) {
    // Enter submits the form; the others must be rebalanced in the DOM before it is read.
    if (event.key === "Enter") flushSync(() => commitTyped(index));
  }

  const typed = drafts.map(parsePercentage);
  const badIndex = typed.findIndex((value, index) => !isPercentage(value) && (!binary || index === 0));
  const typedTotal = sumOf(typed.map((value) => (isPercentage(value) ? value : 0)));
  const problem =
    badIndex >= 0
      ? `Enter a number from 0 to 100 for ${scenarios[badIndex]?.title ?? "this scenario"}.`
      : !binary && typedTotal !== 100
        ? "The probabilities must add up to 100 %. Leave the field to rebalance the others."
        : null;

  const vectorErrors = errors?.[WHOLE_VECTOR_ERROR_PATH];
  const vectorErrorId = `${baseId}-vector-error`;
  const hintId = `${baseId}-hint`;

  return (
    <fieldset className="min-w-0 space-y-4" disabled={disabled}>
      <legend className="sr-only">{binary ? "Your probability" : "Your probability for each scenario"}</legend>
      <FormErrors id={vectorErrorId} errors={vectorErrors} />
      <p id={hintId} className="text-sm text-stone-600 dark:text-stone-400">
        {binary
          ? "A percentage from 0 to 100; type it or use the slider."
          : "Percentages from 0 to 100; type one or use its slider, and the others rebalance so the total stays 100 %."}
      </p>

      <div className="flex h-4 w-full gap-0.5 overflow-hidden rounded-full" aria-hidden="true">
        {values.map((value, index) =>
          value > 0 ? (
            <div key={scenarios[index]?.id ?? index} className={scenarioColor(index).bg} style={{ flexGrow: value, flexBasis: 0 }} />
          ) : null,
        )}
      </div>

      <ul className="space-y-3">
        {visible.map((scenario, index) => {
          const inputId = `${baseId}-${scenario.id}`;
          const errorId = `${inputId}-error`;
          const name = probabilityFieldName(scenario.id);
          // The hidden "No" has nowhere to show its own messages, so they go under "Yes".
          const fieldErrors = [...(errors?.[name] ?? []), ...((noScenario && errors?.[probabilityFieldName(noScenario.id)]) || [])];
          const invalid = fieldErrors.length > 0 || Boolean(vectorErrors?.length);
          const describedBy = [hintId, fieldErrors.length ? errorId : null, vectorErrors?.length ? vectorErrorId : null].filter(Boolean).join(" ");
          const value = values[index] ?? 0;
          const color = scenarioColor(index);
          return (
            <li key={scenario.id}>
              <div className="flex items-center gap-2">
                <span className={`h-3 w-3 shrink-0 rounded-full ${color.bg}`} aria-hidden="true" />
                <label htmlFor={inputId} className="text-sm font-medium text-stone-800 dark:text-stone-200">
                  {scenario.title}
                </label>
              </div>
              <div className="mt-1 flex items-center gap-3">
                <input
                  type="range"
                  min={0}
                  max={100}
                  step={1}
                  value={Math.round(value)}
                  aria-label={`${scenario.title} slider`}
                  aria-valuetext={`${formatPercentage(value)} %`}
                  disabled={!hydrated}
                  onChange={(event) => slide(index, event.currentTarget.value)}
                  onBlur={() => {
                    if (sliderStart.current?.index === index) lastSet.current = index;
                    sliderStart.current = null;
                  }}
                  className={`h-11 min-w-0 flex-1 cursor-pointer disabled:cursor-not-allowed disabled:opacity-60 ${color.accent}`}
                />
                <span className="flex shrink-0 items-center gap-1">
                  <input
                    type="number"
                    id={inputId}
                    name={name}
                    min={0}
                    max={100}
                    step={0.1}
                    inputMode="decimal"
                    autoComplete="off"
                    required
                    value={drafts[index] ?? ""}
                    aria-invalid={invalid || undefined}
                    aria-describedby={describedBy}
                    onChange={(event) => {
                      const text = event.currentTarget.value;
                      setSplit((current) => ({ ...current, drafts: current.drafts.map((draft, at) => (at === index ? text : draft)) }));
                    }}
                    onBlur={() => commitTyped(index)}
                    onKeyDown={(event) => onNumberKeyDown(event, index)}
                    className={numberInputClass}
                  />
                  <span className="text-stone-600 dark:text-stone-400" aria-hidden="true">
                    %
                  </span>
                </span>
              </div>
              <FieldErrors id={errorId} errors={fieldErrors.length ? fieldErrors : undefined} />
            </li>
          );
        })}
      </ul>

      <div className="flex flex-wrap items-center justify-between gap-3">
        <p
          aria-live="polite"
          data-testid="probability-total"
          className={`text-sm font-medium tabular-nums ${problem ? "text-red-700 dark:text-red-400" : "text-stone-700 dark:text-stone-300"}`}
        >
          {binary ? (
            <>
              {noScenario?.title ?? "No"}: {isPercentage(typed[0] ?? Number.NaN) ? formatPercentage(100 - (typed[0] ?? 0)) : "–"} %
            </>
          ) : (
            <>Total: {formatTotal(typedTotal)} %</>
          )}
          {problem && <span className="block font-normal">{problem}</span>}
        </p>
        <button
          type="button"
          onClick={resetEven}
          disabled={!hydrated}
          className="rounded-md border border-stone-300 px-3 py-2 text-sm font-medium text-stone-700 hover:bg-stone-100 disabled:cursor-not-allowed disabled:opacity-60 dark:border-stone-700 dark:text-stone-200 dark:hover:bg-stone-800"
        >
          Even split
        </button>
      </div>
      <p className="sr-only" aria-live="polite">
        {announcement}
      </p>

      {noScenario && hydrated && <input type="hidden" name={probabilityFieldName(noScenario.id)} value={formatPercentage(values[1] ?? 0)} />}
    </fieldset>
  );
}
