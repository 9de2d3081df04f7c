import { AttributeType, DataType, encodeModel, type ElemType } from './onnx-proto.js';

type Attribute = number | readonly number[];
/** A dimension: a fixed size, or a name for one the caller chooses at run time. */
export type Dim = number | string;

/** Opset 17: ReduceSum takes its axes as an input, the other reductions as an attribute. */
export const OPSET = 17;

/**
 * Builds one ONNX graph node by node. Attributes given as plain numbers are ints (the ops used here
 * take integer attributes only, apart from `alpha`/`beta`, which are written as floats).
 */
export class GraphBuilder {
  private nodes: Record<string, unknown>[] = [];
  private initializers: Record<string, unknown>[] = [];
  private inputs: Record<string, unknown>[] = [];
  private outputs: Record<string, unknown>[] = [];
  private counter = 0;

  input(name: string, type: ElemType, shape: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, type, shape));
    return name;
  }

  output(name: string, type: ElemType, shape: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, type, shape));
  }

  constant(
    name: string,
    type: ElemType,
    dims: readonly number[],
    data: ArrayLike<number> | Float32Array | Float64Array | BigInt64Array,
  ): string {
    const array =
      type === 'float'
        ? Float32Array.from(data as ArrayLike<number>)
        : type === 'double'
          ? Float64Array.from(data as ArrayLike<number>)
          : type === 'int64'
            ? data instanceof BigInt64Array
              ? data
              : BigInt64Array.from(Array.from(data as ArrayLike<number>, (x) => BigInt(x)))
            : Uint8Array.from(data as ArrayLike<number>);
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    this.initializers.push({ name, dataType: DataType[type], dims: [...dims], rawData: bytes });
    return name;
  }

  scalar(value: number, type: ElemType = 'double'): string {
    return this.constant(`c${this.counter++}`, type, [], [value]);
  }

  /** Adds a node and returns its (first) output name. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, Attribute> = {},
    outputCount = 1,
    name?: string,
  ): string {
    const base = name ?? `${opType.toLowerCase()}${this.counter++}`;
    const outputs = Array.from({ length: outputCount }, (_, i) => (i === 0 ? base : `${base}_${i}`));
    this.nodes.push({
      opType,
      name: base,
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([key, value]) =>
        Array.isArray(value)
          ? { name: key, type: AttributeType.ints, ints: value }
          : key === 'alpha' || key === 'beta'
            ? { name: key, type: AttributeType.float, f: value }
            : { name: key, type: AttributeType.int, i: value },
      ),
    });
    return base;
  }

  /** An Identity node giving a computed value a fixed (output) name. */
  rename(value: string, name: string): string {
    this.nodes.push({ opType: 'Identity', name: `${name}_out`, input: [value], output: [name], attribute: [] });
    return name;
  }

  encode(graphName: string): Uint8Array {
    return encodeModel({
      irVersion: 8,
      producerName: 'tokprint',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
  }
}

function valueInfo(name: string, type: ElemType, shape: readonly Dim[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType[type],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
