#!/usr/bin/env python3
"""Validates real `--format json` documents against the published schemas (docs/schema/).

Runs the built vramcalc over a broad set of commands (estimate: fits, does not fit, no
hardware, every engine, several cards, mixed cards, nodes, offload, CPU only, every solver,
--ladder, --plot, every local model source; train: full, LoRA, QLoRA, sharded, solvers;
inspect; models and models --fits-on; gpus; check) and validates each document against its
schema. Then checks the schemas are strict: renaming any of a sample of keys in each document,
or removing a required one, must make it invalid. Fails with the command and the JSON path of
each error.

    validate.py --vramcalc build/vramcalc --source .
"""
import argparse
import copy
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    from jsonschema import Draft202012Validator
except ImportError:
    # Another python3 came first on PATH (pyenv, a venv): the Debian package installs the
    # module for the system's.
    SYSTEM_PYTHON = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON) and \
            os.access(SYSTEM_PYTHON, os.X_OK):
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)
    sys.stderr.write("validate.py: the Python module jsonschema is missing: install "
                     "python3-jsonschema (scripts/install-deps.sh does)\n")
    sys.exit(1)

FAILURES = []


def fail(what, detail):
    FAILURES.append(f"{what}: {detail}")
    sys.stderr.write(f"FAIL {what}: {detail}\n")


def json_path(parts):
    return "/" + "/".join(str(p) for p in parts)


def load_schemas(directory):
    schemas = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".schema.json"):
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            schema = json.load(f)
        Draft202012Validator.check_schema(schema)
        for key in ("$schema", "$id", "title", "description"):
            if key not in schema:
                fail(name, f"the schema has no {key}")
        schemas[name[: -len(".schema.json")]] = Draft202012Validator(schema)
    return schemas


def deepest(error):
    """For anyOf/oneOf (a nullable object): the failure of the branch that got furthest into
    the document, not the whole object quoted."""
    while error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error


def errors_of(validator, document):
    errors = [deepest(e) for e in validator.iter_errors(document)]
    return sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])


def run(binary, args, stdin=None):
    return subprocess.run([binary] + args, input=stdin, capture_output=True, timeout=300,
                          env=dict(os.environ, NO_COLOR="1", VRAMCALC_GPU_DB=""))


# Keys whose objects are open by design: the engine's settings by its own names.
OPEN_OBJECTS = {("engine", "settings")}


def object_paths(node, path=()):
    """Every (path, key) of every object in the document, in document order."""
    if isinstance(node, dict):
        for key, value in node.items():
            if path[-2:] not in OPEN_OBJECTS and path[-1:] != ("settings",):
                yield path, key
            yield from object_paths(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from object_paths(value, path + (i,))


def at(node, path):
    for part in path:
        node = node[part]
    return node


def check_strictness(label, validator, document, samples=40):
    """A renamed key (any of a sample spread over the document) must be caught, and so must
    a removed required key at the top."""
    paths = list(object_paths(document))
    step = max(1, len(paths) // samples)
    for path, key in paths[::step]:
        mutated = copy.deepcopy(document)
        parent = at(mutated, path)
        parent[key + "_renamed"] = parent.pop(key)
        if not any(True for _ in validator.iter_errors(mutated)):
            fail(label, f"renaming {json_path(path + (key,))} was not caught by the schema")
    required = validator.schema.get("required") or []
    for key in required[:3]:
        mutated = copy.deepcopy(document)
        mutated.pop(key, None)
        if not any(True for _ in validator.iter_errors(mutated)):
            fail(label, f"removing /{key} was not caught by the schema")


def validate_command(binary, schemas, schema_name, args, expect_exit, stdin=None,
                     strict=True, also=()):
    label = "vramcalc " + " ".join(args)
    result = run(binary, args, stdin)
    if result.returncode != expect_exit:
        fail(label, f"exit code {result.returncode}, expected {expect_exit}; stderr: "
                    f"{result.stderr.decode(errors='replace').strip()[:400]}")
        return None
    try:
        document = json.loads(result.stdout)
    except json.JSONDecodeError as e:
        fail(label, f"stdout is not JSON: {e}")
        return None
    for name in (schema_name,) + tuple(also):
        errors = errors_of(schemas[name], document)
        for error in errors[:10]:
            fail(f"{label} [{name}]",
                 f"at {json_path(error.absolute_path)}: {error.message[:300]} "
                 f"(schema {json_path(error.absolute_schema_path)})")
    if strict:
        check_strictness(label, schemas[schema_name], document)
    return document


def write_safetensors_model(folder):
    """A tiny Llama (2 layers, hidden 64) as config.json + model.safetensors, tensor data
    zeros: exact bytes from the header."""
    hidden, layers, heads, kv_heads, ffn, vocab = 64, 2, 4, 2, 128, 256
    head_dim = hidden // heads
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
              "hidden_size": hidden, "num_hidden_layers": layers,
              "num_attention_heads": heads, "num_key_value_heads": kv_heads,
              "intermediate_size": ffn, "vocab_size": vocab, "max_position_embeddings": 2048,
              "rms_norm_eps": 1e-5, "tie_word_embeddings": False, "torch_dtype": "bfloat16"}
    tensors = [("model.embed_tokens.weight", [vocab, hidden])]
    for layer in range(layers):
        p = f"model.layers.{layer}."
        tensors += [(p + "input_layernorm.weight", [hidden]),
                    (p + "self_attn.q_proj.weight", [heads * head_dim, hidden]),
                    (p + "self_attn.k_proj.weight", [kv_heads * head_dim, hidden]),
                    (p + "self_attn.v_proj.weight", [kv_heads * head_dim, hidden]),
                    (p + "self_attn.o_proj.weight", [hidden, heads * head_dim]),
                    (p + "post_attention_layernorm.weight", [hidden]),
                    (p + "mlp.gate_proj.weight", [ffn, hidden]),
                    (p + "mlp.up_proj.weight", [ffn, hidden]),
                    (p + "mlp.down_proj.weight", [hidden, ffn])]
    tensors += [("model.norm.weight", [hidden]), ("lm_head.weight", [vocab, hidden])]
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape in tensors:
        size = 2  # BF16
        for extent in shape:
            size *= extent
        header[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + bytes(offset))
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config, f)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vramcalc", required=True)
    parser.add_argument("--source", required=True, help="the repository root")
    options = parser.parse_args()
    binary = os.path.abspath(options.vramcalc)
    root = os.path.abspath(options.source)
    schemas = load_schemas(os.path.join(root, "docs", "schema"))
    expected = {"estimate", "train", "inspect", "models", "gpus", "gpu-db", "check"}
    if set(schemas) != expected:
        fail("docs/schema", f"schemas {sorted(schemas)}, expected {sorted(expected)}")
        return 1

    configs = os.path.join(root, "tests", "data", "configs")
    gguf = os.path.join(root, "fuzz", "corpus", "gguf")
    # The fuzz seeds that are whole models (value_types.gguf exercises metadata types only).
    gguf_files = sorted(os.path.join(gguf, n) for n in os.listdir(gguf)
                        if n.endswith(".gguf") and n != "value_types.gguf")
    tmp = tempfile.mkdtemp(prefix="vramcalc-schema-")
    priced = os.path.join(tmp, "priced.json")
    safetensors = os.path.join(tmp, "tiny-llama")
    write_safetensors_model(safetensors)
    with open(priced, "w") as f:
        json.dump({"schema_version": 1, "gpus": [
            {"id": "nvidia-l4", "price_per_hour": 0.8},
            {"id": "nvidia-h100-sxm", "price_per_hour": 3.5, "currency": "USD"},
            {"id": "my-card", "name": "My Card", "memory_gb": 48, "bandwidth_gb_s": 900}]}, f)

    estimate = [
        # verdicts: fits, does not fit (recommendations), no hardware
        (["--params", "7B", "--dtype", "fp16", "--gpu", "L4"], 0),
        (["--params", "70B", "--gpu", "L4"], 1),
        (["--params", "7B"], 0),
        (["--params", "7B", "--layers", "40", "--hidden", "5120"], 0),
        # engines
        (["--model", "llama-3.1-8b", "--engine", "vllm", "--gpu", "L40S",
          "--max-model-len", "32k"], 0),
        (["--model", "llama-3.1-70b", "--engine", "vllm", "--gpu", "L40S"], 1),
        (["--model", "qwen2.5-7b", "--engine", "sglang", "--gpu", "L4", "--context", "8k"], 0),
        (["--model", "mixtral-8x7b", "--dtype", "q4_k_m", "--engine", "llama.cpp", "--gpu",
          "4090", "--ram", "64GB"], 0),
        (["--model", "mixtral-8x7b", "--dtype", "q8_0", "--engine", "llama.cpp", "--gpu",
          "4090", "--ram", "16GB"], 1),
        (["--model", "llama-3.1-8b", "--engine", "llama.cpp", "--gpu", "4090", "--context",
          "16k", "--parallel", "2", "--kv-dtype", "q8_0"], 0),
        (["--model", "llama-3.1-8b", "--engine", "ollama", "--gpu", "4090"], 0),
        (["--model", "llama-3.1-8b", "--engine", "transformers", "--gpu", "4090",
          "--max-new-tokens", "512"], 0),
        # several cards, layouts, mixed cards, nodes, margin, --vram
        (["--params", "70B", "--gpu", "A100-80GB", "--gpus", "2"], 0),
        (["--params", "70B", "--gpu", "4090", "--gpus", "8", "--tp", "4", "--pp", "2"], 0),
        (["--gpu", "4090", "--gpu", "3090", "--params", "30B", "--engine", "llama.cpp"], 1),
        (["--model", "llama-3.1-405b", "--gpu", "h100", "--gpus", "8", "--nodes", "2",
          "--engine", "vllm"], 0),
        (["--params", "13B", "--gpu", "L4", "--margin", "10%"], 1),
        (["--params", "7B", "--gpu", "L4", "--margin", "2GiB"], 0),
        (["--params", "7B", "--vram", "24GB"], 0),
        # offload, CPU
        (["--model", "llama-3.1-70b", "--engine", "llama.cpp", "--gpu", "4090", "--offload",
          "--ram", "128GB", "--cpu", "epyc-9654"], 0),
        (["--model", "llama-3.1-8b", "--engine", "llama.cpp", "--cpu-only", "--ram", "64GB"], 0),
        (["--model", "llama-3.1-8b", "--engine", "llama.cpp", "--cpu-only",
          "--cpu-bandwidth", "89.6"], 0),
        # solvers, ladder, plot
        (["--model", "llama-3.1-8b", "--gpu", "L4", "--max-context"], 0),
        (["--model", "llama-3.1-8b", "--gpu", "L4", "--max-batch", "--context", "8k"], 0),
        (["--params", "70B", "--gpu", "L4", "--min-gpus"], 0),
        (["--params", "400B", "--gpu", "L4", "--dtype", "fp32", "--max-context"], 1),
        (["--model", "llama-3.1-8b", "--which-gpus"], 0),
        (["--model", "llama-3.1-8b", "--which-gpus", "--sort", "cost", "--gpu-db", priced], 0),
        (["--params", "8B", "--context", "32k", "--batch", "4", "--gpu", "4090", "--ladder"], 1),
        (["--params", "8B", "--ladder"], 0),
        (["--model", "llama-3.1-8b", "--gpu", "L4", "--plot", "context"], 0),
        # Beside the model: a draft, LoRA adapters, a config's vision encoder, unified memory.
        (["--model", "llama-3.1-70b", "--engine", "vllm", "--gpu", "h100", "--gpus", "4",
          "--draft", "llama-3.2-1b"], 0),
        (["--model", "llama-3.1-8b", "--engine", "llama.cpp", "--dtype", "q4_k_m", "--gpu",
          "4090", "--draft", "llama-3.2-1b", "--lora", "16"], 0),
        (["--model", "llama-3.1-8b", "--engine", "vllm", "--gpu", "L4", "--max-loras", "4",
          "--max-lora-rank", "64"], 0),
        (["--model", "gemma-3-12b", "--engine", "llama.cpp", "--dtype", "q4_k_m", "--gpu",
          "4090", "--flash-attn", "off"], 0),
        (["--model", "llama-3.1-70b", "--dtype", "q6_k", "--engine", "llama.cpp", "--gpu",
          "apple-m2-max-64gb"], 1),
        (["--model", "llama-3.1-8b", "--gpu", "L4", "--plot", "batch", "--engine", "vllm"], 0),
        # model sources: catalog (MoE, MLA, sliding window), config.json, GGUF
        (["--model", "deepseek-v3", "--gpu", "nvidia-h200-sxm", "--gpus", "8", "--engine",
          "sglang"], 0),
        (["--model", "gemma-2-9b", "--gpu", "L4", "--context", "32k"], 1),
        (["--model", "gemma-2-9b", "--gpu", "4090", "--context", "8k", "--engine", "vllm"], 0),
        (["--config", os.path.join(configs, "qwen2.5-7b.json"), "--gpu", "L4"], 0),
        (["--config", os.path.join(configs, "mixtral-8x7b.json"), "--gpu", "A100-80GB",
          "--engine", "vllm"], 1),
        (["--model", "my-card-does-not-exist-so-params", "--gpu", "L4"], 2),
    ]
    for path in gguf_files:
        estimate.append((["--gguf", path, "--engine", "llama.cpp", "--gpu", "L4"], None))
    estimate.append((["--safetensors", safetensors, "--gpu", "L4"], 0))
    estimate.append((["--safetensors", os.path.join(safetensors, "model.safetensors"), "--engine",
                      "vllm", "--gpu", "L4"], 0))

    documents = 0
    for args, code in estimate:
        if code == 2:
            # An error prints nothing on stdout: no document to validate.
            result = run(binary, args)
            if result.returncode != 2 or result.stdout:
                fail("vramcalc " + " ".join(args), "an error must exit 2 with empty stdout")
            continue
        if code is None:  # a fixture file: whichever verdict, the document must validate
            code = run(binary, args + ["--format", "json"]).returncode
            if code not in (0, 1):
                fail("vramcalc " + " ".join(args), f"exit code {code}")
                continue
        if validate_command(binary, schemas, "estimate", args + ["--format", "json"], code):
            documents += 1

    train = [
        (["train", "--model", "llama-3.1-8b", "--method", "qlora", "--gpu", "4090"], 0),
        (["train", "--model", "llama-3.1-8b", "--gpu", "4090"], 1),
        (["train", "--model", "llama-3.1-8b", "--method", "lora"], 0),
        (["train", "--model", "llama-3.1-8b", "--method", "qlora", "--gpu", "4090",
          "--max-micro-batch"], 0),
        (["train", "--model", "llama-3.1-8b", "--method", "lora", "--gpu", "4090",
          "--max-micro-batch"], 1),
        (["train", "--model", "llama-3.1-70b", "--gpu", "H100", "--gpus", "8", "--parallelism",
          "zero3", "--grad-checkpointing", "full", "--max-seq-len", "--min-gpus"], 0),
        (["train", "--model", "qwen2.5-7b", "--gpu", "A100-80GB", "--gpus", "2",
          "--parallelism", "zero2", "--offload-optimizer", "--ram", "256GB", "--optimizer",
          "adamw-8bit"], 0),
        (["train", "--config", os.path.join(configs, "training", "phi-1_5.json"), "--gpu", "L4",
          "--method", "lora", "--lora-rank", "8", "--lora-targets", "qkv_proj,o_proj"], 0),
        (["train", "--model", "llama-3.1-8b", "--gpu", "L4", "--margin", "1GiB", "--method",
          "qlora", "--max-seq-len"], 0),
    ]
    for args, code in train:
        if validate_command(binary, schemas, "train", args + ["--format", "json"], code):
            documents += 1

    inspect = [["inspect", os.path.join(configs, "llama-3.1-8b.json")],
               ["inspect", os.path.join(configs, "deepseek-v3.json")]]
    inspect += [["inspect", path] for path in gguf_files]
    inspect += [["inspect", safetensors], ["inspect", os.path.join(safetensors, "model.safetensors")]]
    for args in inspect:
        if validate_command(binary, schemas, "inspect", args + ["--format", "json"], 0):
            documents += 1

    models = [
        (["models"], 0),
        (["models", "--family", "qwen", "--max-params", "14B"], 0),
        (["models", "--fits-on", "4090"], 0),
        (["models", "--fits-on", "L4", "--context", "8k", "--engine", "vllm", "--gpus", "2"], 0),
        (["models", "--fits-on", "L4", "--min-params", "400B"], 1),
    ]
    for args, code in models:
        if validate_command(binary, schemas, "models", args + ["--format", "json"], code):
            documents += 1

    gpus = [["gpus"], ["gpus", "--vendor", "AMD"], ["gpus", "--gpu-db", priced]]
    for args in gpus:
        if validate_command(binary, schemas, "gpus", args + ["--format", "json"], 0,
                            also=("gpu-db",)):
            documents += 1
    with open(os.path.join(root, "data", "gpus.json"), encoding="utf-8") as f:
        for error in errors_of(schemas["gpu-db"], json.load(f))[:10]:
            fail("data/gpus.json [gpu-db]", f"at {json_path(error.absolute_path)}: "
                                            f"{error.message[:300]}")

    rows = [
        {"name": "8b-l4", "args": ["--model", "llama-3.1-8b", "--gpu", "L4"]},
        {"name": "70b-l4", "args": ["--params", "70B", "--gpu", "L4", "--engine", "vllm"]},
        {"name": "flags", "model": "qwen2.5-7b", "gpu": ["4090", "3090"], "engine": "llama.cpp"},
        {"name": "cpu", "args": ["--model", "llama-3.2-1b", "--cpu-only", "--ram", "16GB",
                                 "--engine", "llama.cpp"]},
        {"name": "typo", "args": ["--model", "llama-3.1-8b", "--gpu", "L5"]},
        {"name": "numbers", "args": ["--params", 7]},
    ]
    fits_only = "".join(json.dumps(r) + "\n" for r in rows[:1] + rows[2:4])
    check = [
        (["check", "-"], "".join(json.dumps(r) + "\n" for r in rows), 2),
        (["check", "-"], json.dumps(rows[:2]), 1),
        (["check", "-"], fits_only, 0),
    ]
    for args, stdin, code in check:
        if validate_command(binary, schemas, "check", args + ["--format", "json"], code,
                            stdin=stdin.encode()):
            documents += 1

    sys.stderr.write(f"validate.py: {documents} documents validated, "
                     f"{len(FAILURES)} failure(s)\n")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
