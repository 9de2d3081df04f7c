/**
 * A list of named entries (answer channels, tokenizer formats, API schemes) that refuses a name given twice,
 * so adding an entry is one item in one list and a copy-pasted name fails on load rather than shadowing.
 */
export class Registry<T, N extends string = string> {
  private readonly byName = new Map<string, T>();
  readonly names: readonly N[];

  constructor(
    private readonly kind: string,
    readonly entries: readonly T[],
    nameOf: (entry: T) => N,
  ) {
    for (const entry of entries) {
      const name = nameOf(entry);
      // a programming error, not the user's: it surfaces as an internal error
      if (this.byName.has(name)) throw new Error(`${kind} "${name}" is registered twice`);
      this.byName.set(name, entry);
    }
    this.names = entries.map(nameOf);
  }

  has(name: string): name is N {
    return this.byName.has(name);
  }

  /** The entry of that name, or undefined. */
  find(name: string): T | undefined {
    return this.byName.get(name);
  }

  /** The entry of a name known to be registered. */
  get(name: N): T {
    const entry = this.byName.get(name);
    if (entry === undefined) throw new Error(`${this.kind} "${name}" is not registered`);
    return entry;
  }
}
