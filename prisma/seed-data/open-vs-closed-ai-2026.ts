import type { SeedArticle } from "./seed-article";

export const openVsClosedAi2026: SeedArticle = {
  slug: "open-vs-closed-ai-2026",
  title: "Open vs Closed AI 2026: Who Controls the Future of Intelligence",
  dek: "Freely downloadable models have nearly caught the proprietary frontier, and the next two years may decide who captures the value of AI.",
  publishedAt: "2026-02-25T00:00:00.000Z",
  author: {
    username: "crowdline_analyst",
    displayName: "Crowdline Analysis Desk",
    email: "analyst@crowdline.example",
  },
  summary: [
    "The analysis argues that the performance lead of proprietary AI models is melting away. On the MMLU benchmark, the distance between the best open-weight model and the best closed one shrank from about 18 points in 2023 to roughly 3 points by late 2025.",
    "Three forces drive the shift, in the author’s account: open projects rapidly reproduce each frontier advance at a fraction of its cost, governments want AI they can host themselves, and at enterprise scale self-hosting is far cheaper than paying for an API. Investors, the author contends, read today’s strong closed-model revenue as proof of a moat when it mostly reflects contracts signed years earlier.",
    "The author concludes that the market’s structure will settle within roughly 18 to 24 months, and that the decisive question is who will control deployment and integration once model weights cost nothing.",
  ],
  body: [
    "Until recently, open-weight AI was widely seen as a step behind the frontier with no realistic path to catching up. The author points to early 2026 as the turning point: DeepSeek R1, reportedly trained for about $6 million, matched or beat OpenAI’s o1 on several reasoning tests, Meta’s Llama 3.3 runs on ordinary laptops, and Mistral models underpin national AI projects in 14 countries. The benchmark gap that stood at 18 points in 2023 was down to 3.1 points by Q4 2025, while open models now surpass the coding scores GPT-4 posted 18 months earlier.",
    "The first mechanism is what the author calls an efficiency compression loop. A closed lab may spend around $500 million on compute to train a new frontier model, and the research it publishes, together with leaks and reverse-engineering, lets open developers recreate roughly 85 % of that capability for about $8–15 million within 9 to 12 months. The closed lab must then spend heavily again to regain its lead. DeepSeek’s January 2026 release, which documented its mixture-of-experts design and reinforcement-learning methods, passed 2 million Hugging Face downloads and spawned at least six fine-tuned variants within three weeks.",
    "The second mechanism is demand for sovereign AI. Regulators, security agencies and privacy-conscious firms are increasingly unwilling to send sensitive data to US-run endpoints, leaving self-hosted open models as the practical option. France, Germany, the UAE, India and Brazil have all launched national AI programmes built mainly on Llama and Mistral variants, and Mistral’s €600 million raise in 2025 shows how that demand channels fresh money back into open research.",
    "The third mechanism is cost. The author estimates that 10 million GPT-4-class API calls a day cost about $2.4 million a month, while running the same load on a self-hosted Llama 3.3 70B costs roughly $180,000 a month in GPUs, a saving of about 92 %. In the author’s telling, open models were not yet good enough in 2024 and GPUs were too scarce in 2025; by 2026 both obstacles have cleared.",
    "On what the market misses, the author argues that closed-model revenue, with OpenAI reportedly nearing $5 billion a year, is a lagging indicator: it reflects deals signed in 2024 and 2025, while today’s purchasing decisions increasingly favour open models. High API prices also set a reflexive trap, because every dollar charged above the cost of self-hosting gives rivals and enterprise engineering teams a reason to build alternatives.",
    "The author compares the moment to Linux displacing Windows Server in data centres from 2005 to 2010. Microsoft’s bundling and pricing tactics slowed that shift but did not stop it, and Linux carried most enterprise server workloads by 2020. The author expects this cycle to take four to five years rather than fifteen, given a larger, better-funded community and faster software iteration.",
    "Three data findings support the case. Downloads of the top 20 open models on Hugging Face rose from 1.2 billion in 2024 to 4.1 billion in 2025, with growth concentrated in models above 70 billion parameters. Of 14 publicly disclosed enterprise deployments reviewed in Q4 2025, 9 spent more on in-house fine-tuning and serving than on external APIs, with the crossover at around 50,000 daily AI users.",
    "The third finding is that whenever a major open release narrowed the benchmark gap by more than 2 points, closed providers cut prices within 90 days, something that has happened four times since Q2 2024. The author expects more price cuts in the first half of 2026 and projects, as a base case, that rising open-model downloads and falling closed-model API prices will cross in Q3 2026.",
    "The author closes by reframing the debate. Whether open models catch up on benchmarks matters less than who owns the infrastructure layer once the weights are free. If the current pace holds, the capability gap will be effectively closed for most enterprise uses by late 2027, and value will pool with whoever controls deployment, proprietary fine-tuning data and enterprise integration. The open question is whether the structure that emerges concentrates AI power or spreads it out.",
  ],
  questions: [
    {
      kind: "scenarios",
      title: "Which scenario describes the AI market in 2028?",
      description:
        "The author sets out three mutually exclusive paths for the contest between open-weight and proprietary AI models through 2028. Pick the one you expect to best describe the market then.",
      closesAt: "2028-01-01T00:00:00.000Z",
      resolvesAt: "2028-12-31T00:00:00.000Z",
      scenarios: [
        {
          title: "The Open Source Majority",
          summary:
            "Open-weight models catch the frontier and become the default for enterprise AI, pushing value toward deployment and tooling.",
          whatHappens: [
            "Open models come within 1–2 points of the frontier on every major benchmark by late 2026.",
            "Companies self-host by default for workloads above 100,000 queries a day.",
            "Closed models keep a premium niche only in leading-edge multimodal and agent capabilities.",
            "Value shifts from model weights to deployment tools, fine-tuning services and enterprise integration.",
          ],
          catalysts: [
            "Another major open release that matches the closed frontier, comparable to the DeepSeek moment.",
            "GPU spot prices keep falling by 30–40 % a year.",
            "A significant data breach or regulatory action over closed-API data handling that pushes firms toward self-hosting.",
          ],
          timeline: "Open models account for most enterprise AI spending by Q3 2027.",
          thesis:
            "Favour GPU infrastructure, fine-tuning platforms such as Hugging Face and Replicate, and enterprise AI tooling; bet against closed-API businesses lacking distinctive capabilities.",
          baseline: 0.45,
        },
        {
          title: "Capability-Tiered Coexistence",
          summary:
            "The market splits: closed models keep the hardest tasks while open models take routine, high-volume work.",
          whatHappens: [
            "Closed frontier models hold a real 6–12 month lead on the most complex tasks, such as advanced reasoning, multimodal work and agent orchestration.",
            "Open models dominate everyday enterprise work like document processing, code generation and customer support.",
            "The market divides into cheap open models for volume and premium closed models for judgement-heavy tasks.",
            "Overall AI spending grows sharply, with open models winning the new lower tiers and closed models keeping their existing revenue.",
          ],
          catalysts: [
            "Closed labs move into capabilities that need huge compute and proprietary data that are hard to copy cheaply, such as video, real-time agents and physical AI.",
            "Safety certification rules that only well-funded closed labs can satisfy.",
            "Liability worries that keep cautious buyers on closed APIs for customer-facing products.",
          ],
          timeline: "A stable split takes hold by mid-2027 and lasts through 2030 and beyond.",
          thesis:
            "Take a barbell position in infrastructure (NVIDIA, cloud providers) and leading open-model tooling; steer clear of mid-tier closed-API players without a distinctive edge.",
          baseline: 0.4,
        },
        {
          title: "Closed Model Consolidation",
          summary:
            "A breakthrough at a closed lab opens a gap open projects cannot close, and power concentrates around one proprietary model family.",
          whatHappens: [
            "A closed lab makes a sudden, near-AGI leap that open developers cannot replicate quickly.",
            "The market tilts toward a single dominant proprietary model family.",
            "Compute thresholds or safety rules effectively bar the release of large open-weight models.",
            "Open models are confined to edge devices and fine-tuning of older generations.",
          ],
          catalysts: [
            "A true qualitative jump in capability at a closed frontier lab, not just incremental benchmark gains.",
            "Coordinated international rules limiting open-weight releases above 100 billion parameters.",
            "A serious misuse incident involving an open model that provokes a political backlash and restrictive laws.",
          ],
          timeline: "The shift would have to begin by Q2 2027 to halt open-source momentum.",
          thesis:
            "Back the one or two labs that make the breakthrough, since all other players would be at serious risk.",
          baseline: 0.15,
        },
      ],
      baselineNote:
        "The probabilities published with the analysis. The author promises to revise them as major model releases change the competitive picture.",
    },
    {
      kind: "binary",
      title: "Will open-weight models reach frontier parity by the end of 2026?",
      description:
        "Resolves Yes if, by 31 December 2026, the best open-weight model scores within 1–2 points of the best closed model on all major benchmarks. Otherwise resolves No.",
      closesAt: "2026-12-31T00:00:00.000Z",
      resolvesAt: "2026-12-31T00:00:00.000Z",
      impliedYes: 0.45,
      baselineNote:
        "The article names this as the first development in its 45 % Open Source Majority scenario, so we read the implied chance as about 45 %.",
    },
    {
      kind: "binary",
      title: "Will open-source models take most enterprise AI spending by the end of Q3 2027?",
      description:
        "Resolves Yes if credible data show that open-source models account for more than half of enterprise AI spending by 30 September 2027. Otherwise resolves No.",
      closesAt: "2027-09-30T00:00:00.000Z",
      resolvesAt: "2027-09-30T00:00:00.000Z",
      impliedYes: 0.45,
      baselineNote:
        "This is the stated timeline of the article’s 45 % Open Source Majority scenario, so the implied chance is about 45 %.",
    },
    {
      kind: "binary",
      title: "Will the open-model download curve cross the closed-model API price curve in Q3 2026?",
      description:
        "Resolves Yes if, plotted as in the article’s dual-axis chart, the rising open-model download line meets the falling closed-model API price line during July–September 2026. Otherwise resolves No.",
      closesAt: "2026-09-30T00:00:00.000Z",
      resolvesAt: "2026-09-30T00:00:00.000Z",
      impliedYes: 0.6,
      baselineNote:
        "The article calls a Q3 2026 crossing its base case without giving a number; our reading of that as more likely than not, about 60 %, is our own.",
    },
    {
      kind: "binary",
      title: "Will a closed lab demonstrate a qualitative capability leap by the end of Q2 2027?",
      description:
        "Resolves Yes if, by 30 June 2027, a closed frontier lab shows a qualitative jump in capability, beyond incremental benchmark gains, that open models cannot quickly match. Otherwise resolves No.",
      closesAt: "2027-06-30T00:00:00.000Z",
      resolvesAt: "2027-06-30T00:00:00.000Z",
      impliedYes: 0.15,
      baselineNote:
        "The article says such a leap must appear by Q2 2027 for its 15 % Closed Model Consolidation scenario, so the implied chance is about 15 %.",
    },
  ],
};
