// Sample graph_view payloads for the dev harness and the tests. Deterministic (no Math.random).
import paletteFixture from "../tests/fixtures/palette.json" with { type: "json" };

/** @param {Partial<import("../src/protocol").GraphNode>} n */
function node(n) {
  return {
    id: n.id,
    type: n.type ?? "Dense",
    category: n.category ?? "core",
    shape: n.shape ?? "",
    params: n.params ?? 0,
    error: n.error ?? null,
    blocked: n.blocked ?? false,
    pos: n.pos ?? null,
    shares: n.shares ?? null,
    n_inputs: n.n_inputs ?? 1,
    n_outputs: n.n_outputs ?? 1,
    multi_input: n.multi_input ?? false,
    group: n.group ?? null,
  };
}
function edge(src, dst, src_port = 0, dst_port = 0) {
  return { src, dst, src_port, dst_port };
}

/** A small CNN with one failing layer and its blocked descendants (8 nodes). */
export function cnn() {
  const nodes = [
    node({ id: "input_layer", type: "InputLayer", category: "input", shape: "(None, 28, 28, 1)", n_inputs: 0 }),
    node({ id: "conv2d", type: "Conv2D", category: "convolution", shape: "(None, 26, 26, 8)", params: 80 }),
    node({ id: "max_pooling2d", type: "MaxPooling2D", category: "pooling", shape: "(None, 13, 13, 8)" }),
    node({
      id: "conv2d_1", type: "Conv2D", category: "convolution", shape: "", params: 0,
      error: "Negative dimension size caused by subtracting 15 from 13 for '{{node conv2d_1}}'. Expected kernel_size <= input size. Received: kernel_size=(15, 15)",
    }),
    node({ id: "flatten", type: "Flatten", category: "reshaping", blocked: true }),
    node({ id: "dense", type: "Dense", category: "core", blocked: true }),
    node({ id: "dropout", type: "Dropout", category: "regularization", blocked: true }),
    node({ id: "dense_1", type: "Dense", category: "core", blocked: true }),
  ];
  const ids = nodes.map((n) => n.id);
  const edges = ids.slice(1).map((id, i) => edge(ids[i], id));
  return { version: 1, name: "digits_cnn", synthetic: false, nodes, edges };
}

/** Two inputs, a nested model (group), a shared Dense called twice, a merge (9 nodes). */
export function nested() {
  const inner = {
    nodes: [
      node({ id: "enc_in", type: "InputLayer", category: "input", shape: "(None, 32)", n_inputs: 0 }),
      node({ id: "enc_dense", type: "Dense", category: "core", shape: "(None, 64)", params: 2112 }),
      node({ id: "enc_norm", type: "LayerNormalization", category: "normalization", shape: "(None, 64)", params: 128 }),
      node({ id: "enc_out", type: "Dense", category: "core", shape: "(None, 16)", params: 1040 }),
    ],
    edges: [edge("enc_in", "enc_dense"), edge("enc_dense", "enc_norm"), edge("enc_norm", "enc_out")],
  };
  const nodes = [
    node({ id: "left", type: "InputLayer", category: "input", shape: "(None, 32)", n_inputs: 0 }),
    node({ id: "right", type: "InputLayer", category: "input", shape: "(None, 32)", n_inputs: 0 }),
    node({ id: "encoder", type: "Functional", category: "model", shape: "(None, 16)", params: 3280, group: inner }),
    node({ id: "encoder_call2", type: "Functional", category: "model", shape: "(None, 16)", params: 0, shares: "encoder" }),
    node({ id: "shared_dense", type: "Dense", category: "core", shape: "(None, 8)", params: 136 }),
    node({ id: "shared_dense_call2", type: "Dense", category: "core", shape: "(None, 8)", params: 0, shares: "shared_dense" }),
    node({ id: "concatenate", type: "Concatenate", category: "merging", shape: "(None, 16)", n_inputs: 2, multi_input: true }),
    node({ id: "activation", type: "Activation", category: "activation", shape: "(None, 16)" }),
    node({ id: "prediction", type: "Dense", category: "core", shape: "(None, 1)", params: 17 }),
  ];
  const edges = [
    edge("left", "encoder"),
    edge("right", "encoder_call2"),
    edge("encoder", "shared_dense"),
    edge("encoder_call2", "shared_dense_call2"),
    edge("shared_dense", "concatenate", 0, 0),
    edge("shared_dense_call2", "concatenate", 0, 1),
    edge("concatenate", "activation"),
    edge("activation", "prediction"),
  ];
  return { version: 1, name: "siamese", synthetic: false, nodes, edges };
}

/** ResNet50 topology as Keras names it: 177 blocks. */
export function resnet50() {
  const nodes = [];
  const edges = [];
  const add = (id, type, category, shape, params = 0, n_inputs = 1) => {
    nodes.push(node({ id, type, category, shape, params, n_inputs }));
    return id;
  };
  let prev = add("input_layer", "InputLayer", "input", "(None, 224, 224, 3)", 0, 0);
  const chain = (id, type, category, shape, params = 0) => {
    add(id, type, category, shape, params);
    edges.push(edge(prev, id));
    prev = id;
    return id;
  };
  chain("conv1_pad", "ZeroPadding2D", "reshaping", "(None, 230, 230, 3)");
  chain("conv1_conv", "Conv2D", "convolution", "(None, 112, 112, 64)", 9472);
  chain("conv1_bn", "BatchNormalization", "normalization", "(None, 112, 112, 64)", 256);
  chain("conv1_relu", "Activation", "activation", "(None, 112, 112, 64)");
  chain("pool1_pad", "ZeroPadding2D", "reshaping", "(None, 114, 114, 64)");
  chain("pool1_pool", "MaxPooling2D", "pooling", "(None, 56, 56, 64)");
  const stages = [
    [2, 3, 56, 256],
    [3, 4, 28, 512],
    [4, 6, 14, 1024],
    [5, 3, 7, 2048],
  ];
  for (const [s, blocks, hw, ch] of stages) {
    for (let b = 1; b <= blocks; b++) {
      const p = `conv${s}_block${b}`;
      const shape = (c) => `(None, ${hw}, ${hw}, ${c})`;
      const input = prev;
      let shortcut = input;
      if (b === 1) {
        add(`${p}_0_conv`, "Conv2D", "convolution", shape(ch), ch * ch);
        edges.push(edge(input, `${p}_0_conv`));
        add(`${p}_0_bn`, "BatchNormalization", "normalization", shape(ch), 4 * ch);
        edges.push(edge(`${p}_0_conv`, `${p}_0_bn`));
        shortcut = `${p}_0_bn`;
      }
      chain(`${p}_1_conv`, "Conv2D", "convolution", shape(ch / 4), (ch * ch) / 4);
      chain(`${p}_1_bn`, "BatchNormalization", "normalization", shape(ch / 4), ch);
      chain(`${p}_1_relu`, "Activation", "activation", shape(ch / 4));
      chain(`${p}_2_conv`, "Conv2D", "convolution", shape(ch / 4), ((9 * ch) / 4) * (ch / 4));
      chain(`${p}_2_bn`, "BatchNormalization", "normalization", shape(ch / 4), ch);
      chain(`${p}_2_relu`, "Activation", "activation", shape(ch / 4));
      chain(`${p}_3_conv`, "Conv2D", "convolution", shape(ch), (ch * ch) / 4);
      chain(`${p}_3_bn`, "BatchNormalization", "normalization", shape(ch), 4 * ch);
      add(`${p}_add`, "Add", "merging", shape(ch), 0, 2);
      edges.push(edge(shortcut, `${p}_add`, 0, 0), edge(prev, `${p}_add`, 0, 1));
      prev = `${p}_add`;
      chain(`${p}_out`, "Activation", "activation", shape(ch));
    }
  }
  chain("avg_pool", "GlobalAveragePooling2D", "pooling", "(None, 2048)");
  chain("predictions", "Dense", "core", "(None, 1000)", 2049000);
  return { version: 1, name: "resnet50", synthetic: false, nodes, edges };
}

/** A deterministic synthetic DAG of `n` nodes: inception-like modules with skips and branches. */
export function synthetic(n = 800) {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const cats = [
    ["Conv2D", "convolution"], ["BatchNormalization", "normalization"], ["ReLU", "activation"],
    ["Dense", "core"], ["Dropout", "regularization"], ["MaxPooling2D", "pooling"],
  ];
  const nodes = [node({ id: "input", type: "InputLayer", category: "input", shape: "(None, 64, 64, 3)", n_inputs: 0 })];
  const edges = [];
  let prev = "input";
  let k = 0;
  const make = (inputs) => {
    const [type, category] = cats[Math.floor(rand() * cats.length)];
    const id = `${type.toLowerCase()}_${k++}`;
    nodes.push(node({ id, type, category, shape: `(None, ${8 + (k % 56)}, ${8 + (k % 56)}, ${16 * (1 + (k % 8))})`, params: Math.floor(rand() * 50000), n_inputs: inputs.length }));
    inputs.forEach((src, i) => edges.push(edge(src, id, 0, inputs.length > 1 ? i : 0)));
    return id;
  };
  while (nodes.length < n) {
    const branches = 1 + Math.floor(rand() * 4);
    const ends = [];
    for (let b = 0; b < branches && nodes.length < n - 1; b++) {
      let last = prev;
      const len = 1 + Math.floor(rand() * 3);
      for (let i = 0; i < len && nodes.length < n - 1; i++) last = make([last]);
      ends.push(last);
    }
    if (nodes.length >= n) break;
    const id = `concat_${k++}`;
    nodes.push(node({ id, type: "Concatenate", category: "merging", n_inputs: ends.length, shape: "(None, 32, 32, 64)" }));
    ends.forEach((src, i) => edges.push(edge(src, id, 0, i)));
    prev = id;
  }
  return { version: 1, name: `synthetic_${n}`, synthetic: true, nodes: nodes.slice(0, n), edges: edges.filter((e) => nodes.slice(0, n).some((x) => x.id === e.dst)) };
}

// The palette as the kernel's `palette` trait sends it (perceptinb.catalog decides each layer's
// category and the order), generated by make_fixtures.py: never a hand-written copy.
export const PALETTE = paletteFixture.entries;

export const SAMPLES = { cnn, nested, resnet50, synthetic };
