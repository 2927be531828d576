import type { ArticleScenario } from "~/models/article.server";
import { scenarioColor } from "./scenario-colors";

export function ScenarioCard({ scenario, position, percentage }: { scenario: ArticleScenario; position: number; percentage: number | null }) {
  const headingId = `scenario-${scenario.id}`;
  return (
    <article
      aria-labelledby={headingId}
      data-testid="scenario"
      className="rounded-xl border border-stone-200 bg-white p-5 shadow-sm dark:border-stone-800 dark:bg-stone-900 sm:p-6"
    >
      <header className="flex items-start justify-between gap-4">
        <div>
          <p className="text-xs font-semibold uppercase tracking-wider text-stone-500 dark:text-stone-400">
            Scenario {position + 1}
          </p>
          <h3 id={headingId} className="mt-1 font-serif text-xl font-bold sm:text-2xl">
            {scenario.title}
          </h3>
        </div>
        {percentage !== null && (
          <div className="shrink-0 text-right">
            <p className="font-serif text-3xl font-bold tabular-nums" data-testid="baseline">
              {percentage} %
            </p>
            <p className="text-xs text-stone-500 dark:text-stone-400">author’s baseline</p>
          </div>
        )}
      </header>
      {percentage !== null && (
        <div className="mt-3 h-1.5 rounded-full bg-stone-100 dark:bg-stone-800" aria-hidden="true">
          <div className={`h-1.5 rounded-full ${scenarioColor(position).bg}`} style={{ width: `${percentage}%` }} />
        </div>
      )}
      <p className="mt-4 font-serif text-lg leading-relaxed text-stone-700 dark:text-stone-200">{scenario.summary}</p>
      <div className="mt-5 grid gap-6 md:grid-cols-2">
        <BulletSection title="What happens" items={scenario.whatHappens} />
        <BulletSection title="Required catalysts" items={scenario.catalysts} />
      </div>
      <dl className="mt-5 grid gap-4 border-t border-stone-100 pt-4 text-[0.95rem] dark:border-stone-800 md:grid-cols-2">
        <div>
          <dt className="text-sm font-semibold uppercase tracking-wide text-stone-500 dark:text-stone-400">Timeline</dt>
          <dd className="mt-1 leading-relaxed">{scenario.timeline}</dd>
        </div>
        <div>
          <dt className="text-sm font-semibold uppercase tracking-wide text-stone-500 dark:text-stone-400">Investable thesis</dt>
          <dd className="mt-1 leading-relaxed">{scenario.thesis}</dd>
        </div>
      </dl>
    </article>
  );
}

function BulletSection({ title, items }: { title: string; items: string[] }) {
  return (
    <section>
      <h4 className="text-sm font-semibold uppercase tracking-wide text-stone-500 dark:text-stone-400">{title}</h4>
      <ul className="mt-2 list-disc space-y-1.5 pl-5 text-[0.95rem] leading-relaxed">
        {items.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
    </section>
  );
}
