import { describe, expect, it } from "vitest";
import { currentChoice, formatValue, formShape, parseValue, withParam } from "../src/fields";
import type { FormField } from "../src/protocol";

const f = (over: Partial<FormField>): FormField => ({ key: "k", kind: "int", value: 1, nullable: false, editable: true, ...over });
const ok = (value: unknown) => ({ value });

describe("parseValue", () => {
  it("reads ints and floats, and says what it expected", () => {
    expect(parseValue(f({ kind: "int", key: "units" }), " 64 ")).toEqual(ok(64));
    expect(parseValue(f({ kind: "int", key: "units" }), "6.5")).toEqual({ error: "Expected an integer. Received: units=6.5" });
    expect(parseValue(f({ kind: "int", key: "units" }), "0x10")).toEqual({ error: "Expected an integer. Received: units=0x10" });
    expect(parseValue(f({ kind: "float", key: "rate" }), ".5")).toEqual(ok(0.5));
    expect(parseValue(f({ kind: "float" }), "1e-3")).toEqual(ok(0.001));
    expect(parseValue(f({ kind: "float" }), "1e999")).toHaveProperty("error");
    expect(parseValue(f({ kind: "float", key: "rate" }), "abc")).toEqual({ error: "Expected a number. Received: rate=abc" });
  });

  it("maps empty and None to null only where None is allowed", () => {
    expect(parseValue(f({ kind: "int", nullable: true }), "")).toEqual(ok(null));
    expect(parseValue(f({ kind: "int", nullable: true }), "None")).toEqual(ok(null));
    expect(parseValue(f({ kind: "int", key: "units" }), "  ")).toEqual({ error: "units needs a value." });
    expect(parseValue(f({ kind: "str" }), "")).toEqual(ok(""));
    expect(parseValue(f({ kind: "str" }), "None")).toEqual(ok("None")); // a string is a string
  });

  it("reads tuples in Python or JSON spelling, with None items", () => {
    const size = f({ kind: "tuple", item: "int", key: "kernel_size", value: [3, 3], scalar: true });
    expect(parseValue(size, "5, 5")).toEqual(ok([5, 5]));
    expect(parseValue(size, "(1, 2)")).toEqual(ok([1, 2]));
    expect(parseValue(size, "[1,2]")).toEqual(ok([1, 2]));
    expect(parseValue(size, "5")).toEqual(ok(5)); // "int or tuple": Keras repeats it
    expect(parseValue(size, "5,")).toEqual(ok([5])); // a trailing comma asks for a tuple
    expect(parseValue(size, "5, x")).toEqual({ error: "Expected an integer. Received: kernel_size=x" });
    expect(parseValue(size, "5,,5")).toHaveProperty("error");
    expect(parseValue(size, "2.5, 1")).toHaveProperty("error");
    const shape = f({ kind: "tuple", item: "int", key: "target_shape", value: [-1] });
    expect(parseValue(shape, "-1")).toEqual(ok([-1])); // not "int or tuple": stays a list
    expect(parseValue(f({ kind: "tuple", item: "int", key: "batch_shape" }), "None, 8, 8, 1")).toEqual(ok([null, 8, 8, 1]));
    expect(parseValue(f({ kind: "tuple", item: "float" }), "0.5, 1")).toEqual(ok([0.5, 1]));
  });

  it("reads JSON strictly, except plain words for a setting that is None now", () => {
    expect(
      parseValue(
        f({
          kind: "json",
          value: [
            [1, 1],
            [1, 1],
          ],
        }),
        "[[2, 2], [0, 0]]",
      ),
    ).toEqual(
      ok([
        [2, 2],
        [0, 0],
      ]),
    );
    expect(parseValue(f({ kind: "json", value: [[1, 1]], key: "padding" }), "[[2, 2]")).toEqual({
      error: 'Expected JSON, e.g. 3, [1, 2] or {"a": 1}. Received: padding=[[2, 2]',
    });
    expect(parseValue(f({ kind: "json", value: null, nullable: true }), "1000")).toEqual(ok(1000));
    expect(parseValue(f({ kind: "json", value: null, nullable: true }), "int")).toEqual(ok("int"));
    expect(parseValue(f({ kind: "json", value: null, nullable: true }), "True")).toEqual(ok(true));
  });
});

describe("formatValue", () => {
  it("shows values the way they are typed", () => {
    expect(formatValue({ kind: "tuple" }, [null, 8, 1])).toBe("None, 8, 1");
    expect(formatValue({ kind: "float" }, 0.009999999776482582)).toBe("0.01"); // float32 noise
    expect(formatValue({ kind: "int" }, null)).toBe("");
    expect(formatValue({ kind: "json" }, { a: [1] })).toBe('{"a":[1]}');
  });
});

describe("choices", () => {
  const glorot = { module: "keras.initializers", class_name: "GlorotUniform", config: { seed: null }, registered_name: null };
  const zeros = { module: "keras.initializers", class_name: "Zeros", config: {}, registered_name: null };
  const choices = [
    { label: "GlorotUniform", value: glorot },
    { label: "Zeros", value: zeros },
  ];

  it("takes the current choice from the kernel's `selected`, not from matching values", () => {
    // The kernel (forms.py) decides that a seeded GlorotUniform is still the GlorotUniform choice.
    expect(currentChoice({ choices, selected: 0 })?.label).toBe("GlorotUniform");
    expect(currentChoice({ choices, selected: 1 })?.value).toEqual(zeros);
    expect(currentChoice({ choices, selected: -1 })).toBeUndefined();
    expect(currentChoice({ choices })).toBeUndefined();
    expect(currentChoice({ selected: 0 })).toBeUndefined();
  });

  it("sets one parameter of a serialized object", () => {
    expect(withParam(glorot, "seed", 42)).toEqual({ ...glorot, config: { seed: 42 } });
    expect(glorot.config.seed).toBeNull();
  });

  it("tells a new form shape from new values", () => {
    const a = [f({ key: "units", value: 3 }), f({ key: "init", kind: "enum", value: zeros, choices })];
    const b = [f({ key: "units", value: 4 }), f({ key: "init", kind: "enum", value: zeros, choices })];
    expect(formShape(a)).toBe(formShape(b));
    expect(formShape(a)).not.toBe(formShape([a[0]]));
  });
});
