import { getInputProps, type FieldMetadata } from "@conform-to/react";
import { useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";

const inputClass =
  "mt-1 block w-full rounded-md border border-stone-300 bg-white px-3 py-2 text-base shadow-sm placeholder:text-stone-400 focus:border-accent-500 focus:outline-none focus:ring-2 focus:ring-accent-500/40 aria-[invalid=true]:border-red-600 dark:border-stone-700 dark:bg-stone-900";

/** A labelled input whose errors are announced and tied to it (aria-describedby). */
export function TextField({
  label,
  field,
  type = "text",
  autoComplete,
  hint,
}: {
  label: string;
  field: FieldMetadata<string | undefined>;
  type?: "text" | "email" | "password";
  autoComplete?: string;
  hint?: ReactNode;
}) {
  const { key, ...inputProps } = getInputProps(field, { type, ariaDescribedBy: hint ? `${field.id}-hint` : undefined });
  return (
    <div>
      <label htmlFor={field.id} className="block text-sm font-medium text-stone-800 dark:text-stone-200">
        {label}
      </label>
      <input
        key={key}
        {...inputProps}
        autoComplete={autoComplete}
        className={inputClass}
      />
      {hint && (
        <p id={`${field.id}-hint`} className="mt-1 text-sm text-stone-500 dark:text-stone-400">
          {hint}
        </p>
      )}
      <FieldErrors id={field.errorId} errors={field.errors} />
    </div>
  );
}

export function FieldErrors({ id, errors }: { id: string; errors?: string[] }) {
  return (
    <div id={id} aria-live="polite" className="min-h-[1.25rem] pt-1 text-sm text-red-700 dark:text-red-400">
      {errors?.map((error) => <p key={error}>{error}</p>)}
    </div>
  );
}

/** Errors about the whole form (wrong password, too many attempts), announced at once. */
export function FormErrors({ id, errors }: { id: string; errors?: string[] }) {
  if (!errors?.length) return <div id={id} />;
  return (
    <div id={id} role="alert" className="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
      {errors.map((error) => (
        <p key={error}>{error}</p>
      ))}
    </div>
  );
}

/**
 * A submit button that says it is working while its form submits. `intent` names the hidden
 * intent field of its form, when a page has several, so that only the right button spins.
 */
export function SubmitButton({
  children,
  pendingLabel,
  intent,
  tone = "primary",
}: {
  children: ReactNode;
  pendingLabel: string;
  intent?: string;
  tone?: "primary" | "danger";
}) {
  const navigation = useNavigation();
  const pending =
    navigation.state !== "idle" && navigation.formMethod === "POST" && (intent === undefined || navigation.formData?.get("intent") === intent);
  const colours = tone === "danger" ? "bg-red-700 hover:bg-red-800 focus-visible:ring-red-500" : "bg-accent-600 hover:bg-accent-700 focus-visible:ring-accent-500";
  return (
    <button
      type="submit"
      aria-disabled={pending}
      className={`inline-flex items-center justify-center rounded-md px-4 py-2 font-medium text-white focus:outline-none focus-visible:ring-2 focus-visible:ring-offset-2 disabled:opacity-60 ${colours}`}
    >
      {pending ? pendingLabel : children}
    </button>
  );
}
/** A form's submit button with, beside it, the confirmation of its last save. */
export function SaveRow({ label, pendingLabel, intent, saved }: { label: string; pendingLabel: string; intent: string; saved?: string }) {
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
      <SubmitButton intent={intent} pendingLabel={pendingLabel}>
        {label}
      </SubmitButton>
      <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
        {saved}
      </p>
    </div>
  );
}
