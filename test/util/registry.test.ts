import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/util/registry.js';

describe('Registry', () => {
  it('refuses a name given twice, naming it', () => {
    expect(() => new Registry('widget', [{ id: 'a' }, { id: 'b' }, { id: 'a' }], (w) => w.id)).toThrow(
      'widget "a" is registered twice',
    );
  });

  it('keeps the list order and finds entries by name', () => {
    const registry = new Registry('widget', [{ id: 'b' }, { id: 'a' }], (w) => w.id);
    expect(registry.names).toEqual(['b', 'a']);
    expect(registry.find('a')).toEqual({ id: 'a' });
    expect(registry.find('c')).toBeUndefined();
    expect(registry.has('b')).toBe(true);
    expect(() => registry.get('c')).toThrow('widget "c" is not registered');
  });
});
