// The aggregate the server keeps per question, so that saving one forecast costs a few block
// updates rather than a pass over the whole crowd. It answers what aggregateForecasts would for the
// same forecasts, up to rounding and to recency weights below e^-40 of the newest counting as 0.
//
// Layout: per scenario, the forecasters' values in sorted blocks (a two-level B-tree), each block
// carrying the sums that quantiles and means need. Two such indexes per scenario: every forecaster
// with weight 1 (median, mean), and the recency window with its weights (the recency-weighted
// methods). Recency weight depends on rank, and a forecaster leaving the middle of the order moves
// everyone newer down one rank; the window bounds how many weights that changes, to about 80·√N.
import {
  type AggregateResult,
  type AggregationMethod,
  aggregateForecasts,
  centersFromLogMeans,
  clampedLog,
  renormaliseCenters,
  usesRecencyWeights,
  validateForecast,
  validateScenarioCount,
} from "./aggregation";

const BLOCK_CAPACITY = 256;
// A block this small is merged into a neighbour, so that scans over blocks stay short.
const MERGE_BELOW = BLOCK_CAPACITY / 8;
const BULK_FILL = (BLOCK_CAPACITY * 3) / 4;
// Ranks with √n < √N − 40 weigh under e^-40 of the newest; all of them together under e^-40 of the
// total, so leaving them out moves a mean by < 5e-18 and a quantile only on a tie to that precision.
const WINDOW_SPAN = 40;
// Weights are stored as e^(√n − offset); the offset follows √N so that they stay far from overflow.
const OFFSET_DRIFT = 20;
const NONE = -1;

/** The oldest rank whose recency weight is tracked when there are `count` forecasters. */
function windowStart(count: number): number {
  const root = Math.sqrt(count) - WINDOW_SPAN;
  return root <= 1 ? 1 : Math.ceil(root * root);
}

/** Per-forecaster state, by a small integer id so that everything else can live in typed arrays. */
class Entries {
  capacity = 0;
  values = new Float64Array(0);
  weight = new Float64Array(0);
  rank = new Int32Array(0);
  older = new Int32Array(0);
  newer = new Int32Array(0);
  inWindow = new Uint8Array(0);
  private readonly free: number[] = [];
  private used = 0;

  constructor(private readonly scenarioCount: number) {}

  allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.capacity) this.grow(Math.max(64, this.capacity * 2));
    return this.used++;
  }

  release(id: number): void {
    this.inWindow[id] = 0;
    this.free.push(id);
  }

  setValues(id: number, probabilities: ReadonlyArray<number>): void {
    const base = id * this.scenarioCount;
    for (let scenario = 0; scenario < this.scenarioCount; scenario++) this.values[base + scenario] = probabilities[scenario]! + 0;
  }

  value(id: number, scenario: number): number {
    return this.values[id * this.scenarioCount + scenario]!;
  }

  private grow(capacity: number): void {
    const widen = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: (length: number) => T, perEntry = 1): T => {
      const next = make(capacity * perEntry);
      next.set(old);
      return next;
    };
    const k = this.scenarioCount;
    this.values = widen(this.values, (length) => new Float64Array(length), k);
    this.weight = widen(this.weight, (length) => new Float64Array(length));
    this.rank = widen(this.rank, (length) => new Int32Array(length));
    this.older = widen(this.older, (length) => new Int32Array(length));
    this.newer = widen(this.newer, (length) => new Int32Array(length));
    this.inWindow = widen(this.inWindow, (length) => new Uint8Array(length));
    this.capacity = capacity;
  }
}

class Block {
  readonly values = new Float64Array(BLOCK_CAPACITY);
  readonly ids = new Int32Array(BLOCK_CAPACITY);
  /** Weighted index only: each slot's weight and clamped log, kept beside the value for sequential scans. */
  readonly weights: Float64Array | null;
  readonly logs: Float64Array | null;
  length = 0;
  weight = 0;
  weightedValue = 0;
  weightedLog = 0;
  /** The sums above no longer describe the slots. */
  dirty = true;
  /** The index's weight epoch when the slot weights were copied from the entries. */
  epoch = -1;

  constructor(weighted: boolean) {
    this.weights = weighted ? new Float64Array(BLOCK_CAPACITY) : null;
    this.logs = weighted ? new Float64Array(BLOCK_CAPACITY) : null;
  }

  /** Moves slots [from, length) to start at `to`. */
  shift(from: number, to: number): void {
    this.values.copyWithin(to, from, this.length);
    this.ids.copyWithin(to, from, this.length);
    this.weights?.copyWithin(to, from, this.length);
    this.logs?.copyWithin(to, from, this.length);
  }

  /** Appends slots [from, to) of `other`. */
  append(other: Block, from: number, to: number): void {
    this.values.set(other.values.subarray(from, to), this.length);
    this.ids.set(other.ids.subarray(from, to), this.length);
    this.weights?.set(other.weights!.subarray(from, to), this.length);
    this.logs?.set(other.logs!.subarray(from, to), this.length);
    this.length += to - from;
    this.dirty = true;
  }
}

/** Are (value, id) pairs in order? Ids break ties so that every entry has one place. */
const before = (value: number, id: number, otherValue: number, otherId: number) => value < otherValue || (value === otherValue && id < otherId);

/** One scenario's values in sorted blocks, weighted either by 1 or by the entries' recency weights. */
class ValueIndex {
  private blocks: Block[] = [];
  /** Bumped when many entries' weights change at once: blocks copy their slot weights again. */
  private epoch = 0;

  constructor(
    private readonly entries: Entries,
    private readonly scenario: number,
    private readonly weighted: boolean,
  ) {}

  get blockCount(): number {
    return this.blocks.length;
  }

  /** Fills an empty index from ids already sorted by (value, id). */
  load(sortedIds: ArrayLike<number>): void {
    this.blocks = [];
    for (let start = 0; start < sortedIds.length; start += BULK_FILL) {
      const block = new Block(this.weighted);
      const end = Math.min(sortedIds.length, start + BULK_FILL);
      for (let index = start; index < end; index++) this.fill(block, index - start, sortedIds[index]!);
      block.length = end - start;
      block.epoch = this.epoch;
      this.blocks.push(block);
    }
  }

  insert(value: number, id: number): void {
    if (this.blocks.length === 0) this.blocks.push(Object.assign(new Block(this.weighted), { epoch: this.epoch }));
    let blockIndex = this.blockFor(value, id);
    let block = this.blocks[blockIndex]!;
    if (block.length === BLOCK_CAPACITY) {
      this.split(blockIndex);
      const first = this.blocks[blockIndex]!;
      const last = first.length - 1;
      if (!before(value, id, first.values[last]!, first.ids[last]!)) blockIndex++;
      block = this.blocks[blockIndex]!;
    }
    const position = positionIn(block, value, id);
    block.shift(position, position + 1);
    this.fill(block, position, id);
    block.length++;
    block.dirty = true;
  }

  remove(value: number, id: number): void {
    const blockIndex = this.blockFor(value, id);
    const block = this.blocks[blockIndex];
    const position = block ? positionIn(block, value, id) : -1;
    if (!block || position >= block.length || block.ids[position] !== id) throw new Error(`aggregate index lost forecaster entry ${id}`);
    block.shift(position + 1, position);
    block.length--;
    block.dirty = true;
    if (block.length === 0) this.blocks.splice(blockIndex, 1);
    else if (block.length < MERGE_BELOW) this.mergeSmall(blockIndex);
  }

  /** The entry's weight changed. */
  touch(value: number, id: number): void {
    const block = this.blocks[this.blockFor(value, id)];
    const position = block ? positionIn(block, value, id) : -1;
    if (!block || position >= block.length || block.ids[position] !== id) throw new Error(`aggregate index lost forecaster entry ${id}`);
    block.weights![position] = this.entries.weight[id]!;
    block.dirty = true;
  }

  /** Many weights changed. */
  touchAll(): void {
    this.epoch++;
  }

  /**
   * Totals, then the first value at which the cumulative weight passes each target (ascending
   * threshold shares of the total, "reaches" before "exceeds" for equal ones), written to `found`.
   */
  summarise(thresholdShares: ArrayLike<number>, strict: ArrayLike<number>, found: Float64Array): { weight: number; weightedValue: number; weightedLog: number } {
    let weight = 0;
    let weightedValue = 0;
    let weightedLog = 0;
    for (const block of this.blocks) {
      if (block.dirty || block.epoch !== this.epoch) this.refresh(block);
      weight += block.weight;
      weightedValue += block.weightedValue;
      weightedLog += block.weightedLog;
    }
    this.scan(thresholdShares, strict, weight, found);
    return { weight, weightedValue, weightedLog };
  }

  private scan(thresholdShares: ArrayLike<number>, strict: ArrayLike<number>, total: number, found: Float64Array): void {
    const targetCount = thresholdShares.length;
    let target = 0;
    let threshold = thresholdShares[0]! * total;
    let exceed = strict[0] === 1;
    let cumulative = 0;
    let last = Number.NaN;
    for (const block of this.blocks) {
      if (target === targetCount) break;
      const end = cumulative + block.weight;
      // block.weight was summed from 0 in this same order, so the last step below lands on `end`
      // exactly and a target this test sends into the block is found in it.
      if (exceed ? end > threshold : end >= threshold) {
        const weights = block.weights;
        let within = 0;
        for (let index = 0; index < block.length; index++) {
          within += weights ? weights[index]! : 1;
          const at = cumulative + within;
          while (exceed ? at > threshold : at >= threshold) {
            found[target++] = block.values[index]!;
            if (target === targetCount) break;
            threshold = thresholdShares[target]! * total;
            exceed = strict[target] === 1;
          }
          if (target === targetCount) break;
        }
      }
      cumulative = end;
      last = block.values[block.length - 1]!;
    }
    while (target < targetCount) found[target++] = last;
  }

  private refresh(block: Block): void {
    const { values, length } = block;
    let weight = 0;
    let weightedValue = 0;
    let weightedLog = 0;
    const weights = block.weights;
    const logs = block.logs;
    if (weights && logs) {
      if (block.epoch !== this.epoch) {
        const entryWeights = this.entries.weight;
        for (let index = 0; index < length; index++) weights[index] = entryWeights[block.ids[index]!]!;
        block.epoch = this.epoch;
      }
      for (let index = 0; index < length; index++) {
        const w = weights[index]!;
        weight += w;
        weightedValue += w * values[index]!;
        weightedLog += w * logs[index]!;
      }
    } else {
      weight = length;
      for (let index = 0; index < length; index++) weightedValue += values[index]!;
      block.epoch = this.epoch;
    }
    block.weight = weight;
    block.weightedValue = weightedValue;
    block.weightedLog = weightedLog;
    block.dirty = false;
  }

  private fill(block: Block, position: number, id: number): void {
    block.values[position] = this.entries.value(id, this.scenario);
    block.ids[position] = id;
    if (block.weights && block.logs) {
      block.weights[position] = this.entries.weight[id]!;
      block.logs[position] = clampedLog(block.values[position]!);
    }
  }

  /** The first block whose last entry is not before (value, id); the last block if there is none. */
  private blockFor(value: number, id: number): number {
    let lo = 0;
    let hi = this.blocks.length - 1;
    while (lo < hi) {
      const middle = (lo + hi) >>> 1;
      const block = this.blocks[middle]!;
      const last = block.length - 1;
      if (before(block.values[last]!, block.ids[last]!, value, id)) lo = middle + 1;
      else hi = middle;
    }
    return lo;
  }

  private split(blockIndex: number): void {
    const block = this.blocks[blockIndex]!;
    const half = block.length >>> 1;
    const upper = new Block(this.weighted);
    upper.epoch = block.epoch;
    upper.append(block, half, block.length);
    block.length = half;
    block.dirty = true;
    this.blocks.splice(blockIndex + 1, 0, upper);
  }

  private mergeSmall(blockIndex: number): void {
    const block = this.blocks[blockIndex]!;
    const neighbourIndex = blockIndex + 1 < this.blocks.length ? blockIndex + 1 : blockIndex - 1;
    const neighbour = this.blocks[neighbourIndex];
    if (!neighbour || block.length + neighbour.length > BLOCK_CAPACITY / 2) return;
    const [first, second] = neighbourIndex > blockIndex ? [block, neighbour] : [neighbour, block];
    first.append(second, 0, second.length);
    // Slot weights copied in different epochs cannot share one stamp: copy them all again.
    if (first.epoch !== second.epoch) first.epoch = -1;
    this.blocks.splice(Math.max(blockIndex, neighbourIndex), 1);
  }
}

/** Where (value, id) is or would go in the block. */
function positionIn(block: Block, value: number, id: number): number {
  let lo = 0;
  let hi = block.length;
  while (lo < hi) {
    const middle = (lo + hi) >>> 1;
    if (before(block.values[middle]!, block.ids[middle]!, value, id)) lo = middle + 1;
    else hi = middle;
  }
  return lo;
}

// Quartiles and median, each as the pair Metaculus averages: first to reach, first to exceed.
const TARGET_SHARES = [0.25, 0.25, 0.5, 0.5, 0.75, 0.75];
const TARGET_STRICT = [0, 1, 0, 1, 0, 1];

export class IncrementalAggregator {
  private readonly entries: Entries;
  private readonly idByKey = new Map<string, number>();
  /** Every forecaster, weight 1, per scenario. */
  private readonly plain: ValueIndex[];
  /** The recency window, recency weights, per scenario. */
  private readonly recent: ValueIndex[];
  private size = 0;
  private oldest = NONE;
  private newest = NONE;
  /** The oldest forecaster in the recency window; the window runs from it to the newest. */
  private windowOldest = NONE;
  private offset = 0;
  /** e^(√n − offset) by rank n. */
  private weightByRank = new Float64Array(1);
  private readonly found = new Float64Array(TARGET_SHARES.length);

  constructor(private readonly scenarioCount: number) {
    if (!Number.isInteger(scenarioCount)) throw new RangeError(`scenario count must be an integer, got ${scenarioCount}`);
    validateScenarioCount(scenarioCount);
    this.entries = new Entries(scenarioCount);
    const indexes = (weighted: boolean) => Array.from({ length: scenarioCount }, (_, scenario) => new ValueIndex(this.entries, scenario, weighted));
    this.plain = indexes(false);
    this.recent = indexes(true);
  }

  get count(): number {
    return this.size;
  }

  /** The forecaster's latest forecast; moves them to newest (recency rank N). Validates like aggregateForecasts. */
  upsert(forecasterKey: string, probabilities: ReadonlyArray<number>): void {
    validateForecast(probabilities, this.scenarioCount);
    const existing = this.idByKey.get(forecasterKey);
    if (existing === this.newest && existing !== undefined) {
      // Already newest: nobody changes rank, only the values move.
      this.unindex(existing);
      this.entries.setValues(existing, probabilities);
      this.index(existing);
      return;
    }
    let id: number;
    if (existing === undefined) {
      id = this.entries.allocate();
      this.idByKey.set(forecasterKey, id);
    } else {
      id = existing;
      this.detach(id);
    }
    this.entries.setValues(id, probabilities);
    this.attach(id);
    this.settleWindow();
  }

  /** Withdrawal: the forecaster leaves the aggregate. Returns false if they were not in it. */
  remove(forecasterKey: string): boolean {
    const id = this.idByKey.get(forecasterKey);
    if (id === undefined) return false;
    this.detach(id);
    this.idByKey.delete(forecasterKey);
    this.entries.release(id);
    this.settleWindow();
    return true;
  }

  has(forecasterKey: string): boolean {
    return this.idByKey.has(forecasterKey);
  }

  /** Same result as aggregateForecasts(current latest forecasts oldest first, method). */
  aggregate(method: AggregationMethod): AggregateResult {
    // Up to two forecasters everyone weighs 1 whatever the method; cheaper to compute than to special-case.
    if (this.size <= 2) return aggregateForecasts(this.latestForecasts(), method);
    const indexes = usesRecencyWeights(method) ? this.recent : this.plain;
    const lower: number[] = [];
    const median: number[] = [];
    const upper: number[] = [];
    const mean: number[] = [];
    const logMeans: number[] = [];
    const found = this.found;
    for (const index of indexes) {
      const totals = index.summarise(TARGET_SHARES, TARGET_STRICT, found);
      lower.push(0.5 * (found[0]! + found[1]!));
      median.push(0.5 * (found[2]! + found[3]!));
      upper.push(0.5 * (found[4]! + found[5]!));
      mean.push(totals.weightedValue / totals.weight);
      logMeans.push(totals.weightedLog / totals.weight);
    }
    const raw = method === "geometric_mean_of_odds" ? centersFromLogMeans(logMeans) : method === "mean" ? mean : median;
    return { centers: renormaliseCenters(raw), lower, upper, mean, count: this.size };
  }

  /** Oldest first; a key given again supersedes its earlier forecast and takes the later place. */
  static fromForecasts(
    scenarioCount: number,
    forecasts: Iterable<{ forecasterKey: string; probabilities: ReadonlyArray<number> }>,
  ): IncrementalAggregator {
    const aggregator = new IncrementalAggregator(scenarioCount);
    const list = Array.from(forecasts);
    const lastPlace = new Map<string, number>();
    list.forEach(({ forecasterKey }, place) => lastPlace.set(forecasterKey, place));
    list.forEach(({ forecasterKey, probabilities }, place) => {
      validateForecast(probabilities, scenarioCount, place);
      if (lastPlace.get(forecasterKey) !== place) return;
      const id = aggregator.entries.allocate();
      aggregator.idByKey.set(forecasterKey, id);
      aggregator.entries.setValues(id, probabilities);
      aggregator.link(id);
    });
    aggregator.bulkIndex();
    return aggregator;
  }

  private latestForecasts(): number[][] {
    const forecasts: number[][] = [];
    for (let id = this.oldest; id !== NONE; id = this.entries.newer[id]!) {
      forecasts.push(Array.from({ length: this.scenarioCount }, (_, scenario) => this.entries.value(id, scenario)));
    }
    return forecasts;
  }

  private index(id: number): void {
    const inWindow = this.entries.inWindow[id] === 1;
    for (let scenario = 0; scenario < this.scenarioCount; scenario++) {
      const value = this.entries.value(id, scenario);
      this.plain[scenario]!.insert(value, id);
      if (inWindow) this.recent[scenario]!.insert(value, id);
    }
  }

  private unindex(id: number): void {
    const inWindow = this.entries.inWindow[id] === 1;
    for (let scenario = 0; scenario < this.scenarioCount; scenario++) {
      const value = this.entries.value(id, scenario);
      this.plain[scenario]!.remove(value, id);
      if (inWindow) this.recent[scenario]!.remove(value, id);
    }
  }

  /** Appends to the recency order as the newest, rank N + 1. */
  private link(id: number): void {
    const { older, newer, rank } = this.entries;
    older[id] = this.newest;
    newer[id] = NONE;
    if (this.newest === NONE) this.oldest = id;
    else newer[this.newest] = id;
    this.newest = id;
    this.size++;
    rank[id] = this.size;
  }

  private unlink(id: number): void {
    const { older, newer } = this.entries;
    const before = older[id]!;
    const after = newer[id]!;
    if (before === NONE) this.oldest = after;
    else newer[before] = after;
    if (after === NONE) this.newest = before;
    else older[after] = before;
    this.size--;
  }

  private attach(id: number): void {
    this.link(id);
    this.ensureWeights(this.size);
    this.entries.weight[id] = this.weightByRank[this.size]!;
    this.entries.inWindow[id] = 1;
    if (this.windowOldest === NONE) this.windowOldest = id;
    this.index(id);
  }

  /** Takes the forecaster out of the order and the indexes; everyone newer moves down one rank. */
  private detach(id: number): void {
    const { rank, weight, older, inWindow } = this.entries;
    if (this.windowOldest !== NONE) {
      // Only window ranks are tracked; an entry older than the window shifts the whole window.
      const stop = inWindow[id] ? id : older[this.windowOldest]!;
      const shifted = this.size - (inWindow[id] ? rank[id]! : rank[this.windowOldest]! - 1);
      const touchEach = shifted <= this.recent[0]!.blockCount;
      for (let x = this.newest; x !== stop; x = older[x]!) {
        rank[x]!--;
        weight[x] = this.weightByRank[rank[x]!]!;
        if (touchEach) for (let scenario = 0; scenario < this.scenarioCount; scenario++) this.recent[scenario]!.touch(this.entries.value(x, scenario), x);
      }
      if (!touchEach) for (const index of this.recent) index.touchAll();
    }
    this.unindex(id);
    if (this.windowOldest === id) this.windowOldest = this.entries.newer[id]!;
    inWindow[id] = 0;
    this.unlink(id);
  }

  /** Moves the window's old end to the rank the current count calls for, and the weight offset with √N. */
  private settleWindow(): void {
    if (Math.abs(Math.sqrt(this.size) - this.offset) > OFFSET_DRIFT) this.rescaleWeights();
    if (this.size === 0) {
      this.windowOldest = NONE;
      return;
    }
    const { rank, older, newer, inWindow } = this.entries;
    const start = windowStart(this.size);
    if (this.windowOldest === NONE) this.admit(this.newest, this.size);
    while (rank[this.windowOldest]! < start) {
      const leaving = this.windowOldest;
      this.windowOldest = newer[leaving]!;
      for (let scenario = 0; scenario < this.scenarioCount; scenario++) this.recent[scenario]!.remove(this.entries.value(leaving, scenario), leaving);
      inWindow[leaving] = 0;
    }
    while (older[this.windowOldest]! !== NONE && rank[this.windowOldest]! - 1 >= start) {
      this.admit(older[this.windowOldest]!, rank[this.windowOldest]! - 1);
    }
  }

  private admit(id: number, atRank: number): void {
    const { rank, weight, inWindow } = this.entries;
    rank[id] = atRank;
    weight[id] = this.weightByRank[atRank]!;
    inWindow[id] = 1;
    this.windowOldest = id;
    for (let scenario = 0; scenario < this.scenarioCount; scenario++) this.recent[scenario]!.insert(this.entries.value(id, scenario), id);
  }

  private ensureWeights(rank: number): void {
    if (rank < this.weightByRank.length) return;
    const table = new Float64Array(Math.max(rank + 1, this.weightByRank.length * 2));
    table.set(this.weightByRank);
    for (let n = this.weightByRank.length; n < table.length; n++) table[n] = Math.exp(Math.sqrt(n) - this.offset);
    this.weightByRank = table;
  }

  private rescaleWeights(): void {
    this.offset = Math.sqrt(this.size);
    const table = this.weightByRank;
    for (let n = 1; n < table.length; n++) table[n] = Math.exp(Math.sqrt(n) - this.offset);
    const { rank, weight, older } = this.entries;
    const stop = this.windowOldest === NONE ? NONE : older[this.windowOldest]!;
    for (let x = this.newest; x !== stop && x !== NONE; x = older[x]!) weight[x] = table[rank[x]!]!;
    for (const index of this.recent) index.touchAll();
  }

  /** After bulk linking: offset, window and both indexes in one go rather than insert by insert. */
  private bulkIndex(): void {
    this.offset = Math.sqrt(this.size);
    this.ensureWeights(this.size);
    const { rank, weight, inWindow, older } = this.entries;
    const start = windowStart(this.size);
    const all: number[] = [];
    const window: number[] = [];
    for (let x = this.newest; x !== NONE; x = older[x]!) {
      all.push(x);
      if (rank[x]! >= start) {
        weight[x] = this.weightByRank[rank[x]!]!;
        inWindow[x] = 1;
        window.push(x);
        this.windowOldest = x;
      }
    }
    for (let scenario = 0; scenario < this.scenarioCount; scenario++) {
      const byValue = (a: number, b: number) => this.entries.value(a, scenario) - this.entries.value(b, scenario) || a - b;
      this.plain[scenario]!.load(Int32Array.from(all).sort(byValue));
      this.recent[scenario]!.load(Int32Array.from(window).sort(byValue));
    }
  }
}
