/** The shape of an article shipped as seed data; prisma/seed.ts writes it in one transaction. */
export interface SeedScenario {
  title: string;
  /** One or two sentences: the scenario in a nutshell. */
  summary: string;
  /** What happens in this world, one item per entry. */
  whatHappens: string[];
  /** What must occur for this scenario to come about, one item per entry. */
  catalysts: string[];
  timeline: string;
  /** The investment stance the author draws from the scenario. */
  thesis: string;
  /** Author's baseline probability, 0..1. */
  baseline: number;
}

export interface SeedQuestion {
  kind: "scenarios" | "binary";
  title: string;
  description: string;
  closesAt?: string; // ISO date
  resolvesAt?: string; // ISO date
  /** For kind "scenarios": the mutually exclusive scenarios, in the article's order. */
  scenarios?: SeedScenario[];
  /** For kind "binary": the author's implied probability of "Yes", or null where the article gives none. */
  impliedYes?: number | null;
  /** Why the baseline is what it is; shown publicly with the first baseline revision. */
  baselineNote: string;
}

export interface SeedArticle {
  slug: string;
  title: string;
  dek: string;
  /** Paragraphs, in our own words. */
  summary: string[];
  /** Paragraphs, in our own words: the argument and the evidence the author leans on. */
  body: string[];
  publishedAt: string; // ISO date
  author: { username: string; displayName: string; email: string };
  questions: SeedQuestion[];
}
