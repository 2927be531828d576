import { toDisplayPercentages } from "~/domain/display-percentages";

const SEGMENT_COLOURS = ["bg-accent-600", "bg-amber-500", "bg-rose-500", "bg-emerald-600", "bg-violet-500"];

export const scenarioColour = (position: number) => SEGMENT_COLOURS[position % SEGMENT_COLOURS.length];

/** The author's baseline as one stacked bar: the split is seen before it is read. */
export function BaselineBar({ scenarios }: { scenarios: { id: string; title: string; baseline: number }[] }) {
  const percentages = toDisplayPercentages(scenarios.map((scenario) => scenario.baseline));
  return (
    <figure>
      <div className="flex h-4 w-full overflow-hidden rounded-full bg-stone-200 dark:bg-stone-800" aria-hidden="true">
        {scenarios.map((scenario, index) => (
          <div key={scenario.id} className={scenarioColour(index)} style={{ width: `${scenario.baseline * 100}%` }} />
        ))}
      </div>
      <figcaption className="mt-3 flex flex-wrap gap-x-5 gap-y-1 text-sm">
        {scenarios.map((scenario, index) => (
          <span key={scenario.id} className="inline-flex items-center gap-2">
            <span className={`h-2.5 w-2.5 rounded-full ${scenarioColour(index)}`} aria-hidden="true" />
            <span>
              {scenario.title} <strong className="tabular-nums">{percentages[index]} %</strong>
            </span>
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
