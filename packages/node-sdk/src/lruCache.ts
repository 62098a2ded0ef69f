// A least-recently-used cache bounded by the estimated bytes of its entries (not their count): reading an entry
// makes it the most recent, and adding one evicts the least recent until the total fits.
type Node<V> = { key: string; value: V; size: number; older: Node<V> | undefined; newer: Node<V> | undefined };

export class LruCache<V> {
  // The recency order is a doubly linked list through the nodes: a read relinks one node (a few field writes)
  // instead of deleting and re-inserting its Map entry, which every cached check would pay.
  private readonly nodes = new Map<string, Node<V>>();
  private oldest: Node<V> | undefined;
  private newest: Node<V> | undefined;
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly sizeOf: (key: string, value: V) => number,
  ) {}

  get(key: string): V | undefined {
    const node = this.nodes.get(key);
    if (node === undefined) return undefined;
    if (node !== this.newest) {
      this.unlink(node);
      this.linkNewest(node);
    }
    return node.value;
  }

  // Without touching recency (stream updates must not keep an entry alive).
  peek(key: string): V | undefined {
    return this.nodes.get(key)?.value;
  }

  set(key: string, value: V): void {
    const size = this.sizeOf(key, value);
    this.delete(key);
    // An entry larger than the whole budget is not kept at all.
    if (size > this.maxBytes) return;
    const node: Node<V> = { key, value, size, older: undefined, newer: undefined };
    this.nodes.set(key, node);
    this.linkNewest(node);
    this.bytes += size;
    this.evict();
  }

  // Replaces an entry's value in place: its recency stays (a stream update is not a use), its size is re-estimated.
  update(key: string, value: V): void {
    const node = this.nodes.get(key);
    if (!node) return;
    const size = this.sizeOf(key, value);
    this.bytes += size - node.size;
    node.value = value;
    node.size = size;
    this.evict();
  }

  delete(key: string): void {
    const node = this.nodes.get(key);
    if (!node) return;
    this.nodes.delete(key);
    this.unlink(node);
    this.bytes -= node.size;
  }

  // Least recent first.
  keys(): string[] {
    const keys: string[] = [];
    for (let node = this.oldest; node !== undefined; node = node.newer) keys.push(node.key);
    return keys;
  }

  clear(): void {
    this.nodes.clear();
    this.oldest = this.newest = undefined;
    this.bytes = 0;
  }

  get size(): number {
    return this.nodes.size;
  }

  get sizeInBytes(): number {
    return this.bytes;
  }

  private evict(): void {
    while (this.bytes > this.maxBytes && this.oldest !== undefined) this.delete(this.oldest.key);
  }

  private unlink(node: Node<V>): void {
    if (node.older) node.older.newer = node.newer;
    else this.oldest = node.newer;
    if (node.newer) node.newer.older = node.older;
    else this.newest = node.older;
    node.older = node.newer = undefined;
  }

  private linkNewest(node: Node<V>): void {
    node.older = this.newest;
    if (this.newest) this.newest.newer = node;
    else this.oldest = node;
    this.newest = node;
  }
}
