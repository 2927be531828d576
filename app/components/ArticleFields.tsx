import type { FieldMetadata, FormMetadata } from "@conform-to/react";
import { useState, type FormEvent } from "react";
import { AUTHORING_LIMITS, suggestSlug } from "~/domain/authoring-forms";
import { TextAreaField } from "./AuthoringFields";
import { TextField } from "./FormField";

type ArticleFieldset = {
  title: FieldMetadata<string | undefined>;
  slug: FieldMetadata<string | undefined>;
  dek: FieldMetadata<string | undefined>;
  summary: FieldMetadata<string | undefined>;
  body: FieldMetadata<string | undefined>;
};

/**
 * The article's texts, for the new-article and edit pages. While `suggestSlug` is on, typing the
 * title fills the slug, until the author types a slug of their own (emptying it resumes the
 * suggestions). A published article's slug is shown, not edited: links to it must keep working.
 */
export function ArticleFields({
  form,
  fields,
  suggestSlugFromTitle,
  lockedSlug,
}: {
  // Only `update` is used; the form's own schema type does not matter here.
  form: Pick<FormMetadata<Record<string, unknown>, string[]>, "update">;
  fields: ArticleFieldset;
  suggestSlugFromTitle: boolean;
  lockedSlug?: string;
}) {
  const [slugTyped, setSlugTyped] = useState(!suggestSlugFromTitle);

  function onInput(event: FormEvent<HTMLDivElement>) {
    const target = event.target as HTMLInputElement;
    if (target.name === fields.slug.name) setSlugTyped(target.value.trim() !== "");
    else if (target.name === fields.title.name && !slugTyped) form.update({ name: fields.slug.name, value: suggestSlug(target.value) });
  }

  const slugPreview = fields.slug.value || "…";
  return (
    <div className="space-y-3" onInput={onInput}>
      <TextField label="Title" field={fields.title} hint={`Up to ${AUTHORING_LIMITS.articleTitle} characters.`} />
      {lockedSlug ? (
        <div>
          <p className="block text-sm font-medium text-stone-800 dark:text-stone-200">Slug</p>
          <p className="mt-1 font-mono text-sm">/articles/{lockedSlug}</p>
          <input type="hidden" name={fields.slug.name} value={lockedSlug} />
          <p className="mt-1 text-sm text-stone-500 dark:text-stone-400">
            Fixed while the article is published, so that links to it keep working.
          </p>
        </div>
      ) : (
        <TextField
          label="Slug"
          field={fields.slug}
          autoComplete="off"
          hint={
            <>
              The article’s address: <span className="font-mono">/articles/{slugPreview}</span>. Letters a–z, digits and
              hyphens; suggested from the title, and yours to change until the article is published.
            </>
          }
        />
      )}
      <TextField label="Standfirst" field={fields.dek} hint="One sentence under the title, also shown on the front page." />
      <TextAreaField label="Summary" field={fields.summary} rows={5} hint="Plain text. Leave a blank line between paragraphs." />
      <TextAreaField label="Body" field={fields.body} rows={14} hint="Plain text. Leave a blank line between paragraphs." />
    </div>
  );
}
