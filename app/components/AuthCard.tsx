import type { ReactNode } from "react";

/** The narrow, centred frame of the sign-up and log-in pages. */
export function AuthCard({ title, intro, children, footer }: { title: string; intro?: ReactNode; children: ReactNode; footer?: ReactNode }) {
  return (
    <div className="mx-auto w-full max-w-md px-5 py-12 sm:py-20">
      <h1 className="font-serif text-3xl font-bold tracking-tight">{title}</h1>
      {intro && <p className="mt-2 text-stone-600 dark:text-stone-300">{intro}</p>}
      <div className="mt-8 rounded-xl border border-stone-200 bg-white p-6 shadow-sm dark:border-stone-800 dark:bg-stone-900">{children}</div>
      {footer && <p className="mt-6 text-center text-sm text-stone-600 dark:text-stone-300">{footer}</p>}
    </div>
  );
}
