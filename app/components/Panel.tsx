import type { ReactNode } from "react";

/** A titled card that holds one form or list of a settings or editing page. */
export function Panel({ id, title, children, aside, tone }: { id: string; title: string; children: ReactNode; aside?: ReactNode; tone?: "danger" }) {
  const border = tone === "danger" ? "border-red-300 dark:border-red-900" : "border-stone-200 dark:border-stone-800";
  return (
    <section aria-labelledby={`${id}-heading`} className={`rounded-xl border bg-white p-5 shadow-sm sm:p-6 dark:bg-stone-900 ${border}`}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={`${id}-heading`} className="text-lg font-semibold">
          {title}
        </h2>
        {aside}
      </div>
      <div className="mt-4">{children}</div>
    </section>
  );
}
