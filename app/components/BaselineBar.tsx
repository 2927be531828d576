import { toDisplayPercentages } from "~/domain/display-percentages";
import { scenarioColor } from "./scenario-colors";


/** The author's baseline as one stacked bar: the split is seen before it is read. */
export function BaselineBar({ scenarios }: { scenarios: { id: string; title: string; baseline: number }[] }) {
  const percentages = toDisplayPercentages(scenarios.map((scenario) => scenario.baseline));
  return (
    <figure>
      <div className="flex h-4 w-full overflow-hidden rounded-full bg-stone-200 dark:bg-stone-800" aria-hidden="true">
        {scenarios.map((scenario, index) => (
          <div key={scenario.id} className={scenarioColor(index).bg} style={{ width: `${scenario.baseline * 100}%` }} />
        ))}
      </div>
      <figcaption className="mt-3 flex flex-wrap gap-x-5 gap-y-1 text-sm">
        {scenarios.map((scenario, index) => (
          <span key={scenario.id} className="inline-flex items-center gap-2">
            <span className={`h-2.5 w-2.5 rounded-full ${scenarioColor(index).bg}`} aria-hidden="true" />
            <span>
              {scenario.title} <strong className="tabular-nums">{percentages[index]} %</strong>
            </span>
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
