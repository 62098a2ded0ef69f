// A least-recently-used cache bounded by the estimated bytes of its entries (not their count): reading an entry
// makes it the most recent, and adding one evicts the least recent until the total fits.
export class LruCache<V> {
  private readonly entries = new Map<string, { value: V; size: number }>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly sizeOf: (key: string, value: V) => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Map keeps insertion order: re-inserting moves the entry to the most recent end.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  // Without touching recency (stream updates must not keep an entry alive).
  peek(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: string, value: V): void {
    const size = this.sizeOf(key, value);
    this.delete(key);
    // An entry larger than the whole budget is not kept at all.
    if (size > this.maxBytes) return;
    this.entries.set(key, { value, size });
    this.bytes += size;
    this.evict();
  }

  private evict(): void {
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.size;
    }
  }

  // Replaces an entry's value in place: its recency stays (a stream update is not a use), its size is re-estimated.
  update(key: string, value: V): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    const size = this.sizeOf(key, value);
    this.bytes += size - entry.size;
    this.entries.set(key, { value, size });
    this.evict();
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.size;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get sizeInBytes(): number {
    return this.bytes;
  }
}
