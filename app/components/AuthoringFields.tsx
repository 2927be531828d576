import { getInputProps, getTextareaProps, type FieldMetadata } from "@conform-to/react";
import type { ReactNode } from "react";
import { FieldErrors } from "./FormField";

/**
 * The controls the author pages need beyond FormField's text inputs: long texts, dates and
 * choices, plus the panel and save row those pages are built from. Same look, same error
 * wiring (aria-invalid, aria-describedby) as the account forms.
 */

const controlClass =
  "mt-1 block w-full rounded-md border border-stone-300 bg-white px-3 py-2 text-base shadow-sm placeholder:text-stone-400 focus:border-accent-500 focus:outline-none focus:ring-2 focus:ring-accent-500/40 aria-[invalid=true]:border-red-600 dark:border-stone-700 dark:bg-stone-900";

const labelClass = "block text-sm font-medium text-stone-800 dark:text-stone-200";
const hintClass = "mt-1 text-sm text-stone-500 dark:text-stone-400";

const hintId = (field: { id: string }) => `${field.id}-hint`;

function Hint({ field, children }: { field: { id: string }; children?: ReactNode }) {
  if (!children) return null;
  return (
    <p id={hintId(field)} className={hintClass}>
      {children}
    </p>
  );
}

export function TextAreaField({ label, field, rows = 4, hint }: { label: string; field: FieldMetadata<string | undefined>; rows?: number; hint?: ReactNode }) {
  const { key, ...props } = getTextareaProps(field, { ariaDescribedBy: hint ? hintId(field) : undefined });
  return (
    <div>
      <label htmlFor={field.id} className={labelClass}>
        {label}
      </label>
      <textarea key={key} {...props} rows={rows} className={`${controlClass} font-[inherit]`} />
      <Hint field={field}>{hint}</Hint>
      <FieldErrors id={field.errorId} errors={field.errors} />
    </div>
  );
}

export function DateField({ label, field, hint }: { label: string; field: FieldMetadata<string | undefined>; hint?: ReactNode }) {
  const { key, ...props } = getInputProps(field, { type: "date", ariaDescribedBy: hint ? hintId(field) : undefined });
  return (
    <div>
      <label htmlFor={field.id} className={labelClass}>
        {label}
      </label>
      <input key={key} {...props} className={`${controlClass} sm:max-w-xs`} />
      <Hint field={field}>{hint}</Hint>
      <FieldErrors id={field.errorId} errors={field.errors} />
    </div>
  );
}

/** A radio group: the legend labels the group, each option its own radio. */
export function ChoiceField({
  legend,
  field,
  options,
}: {
  legend: string;
  field: FieldMetadata<string | undefined>;
  options: ReadonlyArray<{ value: string; label: string; hint?: string }>;
}) {
  return (
    <fieldset aria-describedby={field.errorId}>
      <legend className={labelClass}>{legend}</legend>
      <div className="mt-2 space-y-2">
        {options.map((option) => {
          const { key, ...props } = getInputProps(field, { type: "radio", value: option.value, ariaAttributes: false });
          const id = `${field.id}-${option.value}`;
          // The hint describes the option rather than naming it, so that its name stays short.
          return (
            <div key={option.value} className="flex items-start gap-3">
              <input
                key={key}
                {...props}
                id={id}
                aria-invalid={field.errors ? true : undefined}
                aria-describedby={option.hint ? `${id}-hint` : undefined}
                className="mt-1 h-4 w-4 border-stone-400 text-accent-600 focus:ring-accent-500"
              />
              <div className="text-sm">
                <label htmlFor={id} className="font-medium">
                  {option.label}
                </label>
                {option.hint && (
                  <p id={`${id}-hint`} className="text-stone-500 dark:text-stone-400">
                    {option.hint}
                  </p>
                )}
              </div>
            </div>
          );
        })}
      </div>
      <FieldErrors id={field.errorId} errors={field.errors} />
    </fieldset>
  );
}


export function StatusBadge({ published }: { published: boolean }) {
  return published ? (
    <span className="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300">Published</span>
  ) : (
    <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900 dark:bg-amber-950 dark:text-amber-200">Draft</span>
  );
}
