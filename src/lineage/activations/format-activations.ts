import type { ActivationEvidence } from './compare-activations.js';

const fixed = (x: number) => x.toFixed(3);

/** Ranges of consecutive layer numbers, e.g. 1-4, 7. */
function ranges(layers: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < layers.length; i++) {
    let j = i;
    while (j + 1 < layers.length && layers[j + 1] === layers[j] + 1) j++;
    out.push(i === j ? `${layers[i]}` : `${layers[i]}-${layers[j]}`);
    i = j;
  }
  return out.join(', ');
}

/** The few lines `compare --activations` adds to the terminal output. */
export function formatActivations(e: ActivationEvidence): string {
  const agreeing = e.layers.filter((l) => l.agrees).map((l) => l.a);
  const perLayer = e.layers.map((l) => `${l.a}:${fixed(l.cka)}`).join(' ');
  return [
    `activations: ${e.verdict} (mean CKA ${fixed(e.score)} past the embeddings, threshold ${e.threshold}; chance agreement p ${e.pValue})`,
    `  ${e.texts} probe texts, hidden states averaged over each text's tokens; A ${e.models.a.layers} layers x ${e.models.a.width}, B ${e.models.b.layers} x ${e.models.b.width}`,
    `  CKA per layer of A (against B at the same relative depth): ${perLayer}`,
    `  layers that agree: ${agreeing.length ? ranges(agreeing) : 'none'}`,
    '',
  ].join('\n');
}
