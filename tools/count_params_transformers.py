#!/usr/bin/env python3
"""Counts the parameters PyTorch builds for config.json documents, to check vramcalc's config
reader against transformers tensor for tensor (per layer and in total).

Usage (where torch and transformers are installed; no weights are downloaded, the models are
built on the meta device):

    python3 tools/count_params_transformers.py data/models.json tests/data/configs out.json

Writes one row per config: the total as `sum(p.numel() for p in model.parameters())` (tied
weights once, as PyTorch counts them), the per-block sums, persistent buffers (which a
checkpoint stores but parameters() does not count), and the versions used.
"""
import collections
import glob
import json
import os
import re
import sys
import time
import traceback

import torch
import transformers
from transformers import (AutoConfig, AutoModel, AutoModelForCausalLM,
                          AutoModelForSequenceClassification)

LAYER = re.compile(r"\.(?:layers|h|layer|blocks)\.(\d+)\.")


def count(config_dict):
    config_dict = dict(config_dict)
    config_dict.pop("quantization_config", None)  # build the unquantized model
    model_type = config_dict.pop("model_type")
    config = AutoConfig.for_model(model_type, **config_dict)
    text = config.get_text_config() if hasattr(config, "get_text_config") else config
    # Encoders (embedding models: BertModel, XLMRobertaModel; rerankers:
    # *ForSequenceClassification) are built as their checkpoints are; decoders as causal LMs.
    architecture = (config_dict.get("architectures") or [""])[0]
    if architecture.endswith("ForSequenceClassification"):
        auto = AutoModelForSequenceClassification
    elif architecture in ("BertModel", "RobertaModel", "XLMRobertaModel"):
        auto = AutoModel
    else:
        auto = AutoModelForCausalLM
    with torch.device("meta"):
        model = auto.from_config(text)
    layers = collections.defaultdict(int)
    outside = 0
    names = set()
    for name, p in model.named_parameters():
        names.add(name)
        m = LAYER.search(name)
        if m:
            layers[int(m.group(1))] += p.numel()
        else:
            outside += p.numel()
    all_names = {n for n, _ in model.named_parameters(remove_duplicate=False)}
    buffers = {}
    for name, b in model.state_dict().items():
        if name not in all_names:
            buffers[name] = list(b.shape)
    total = sum(p.numel() for p in model.parameters())
    return {
        "class": type(model).__name__,
        "params": total,
        "outside_layers": outside,
        "layers": [layers[i] for i in range(max(layers) + 1)] if layers else [],
        "tensors": len(names),
        "persistent_buffers": buffers,
    }


def main():
    catalog, config_dir, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
    jobs = [(e["id"], e["config"]) for e in json.load(open(catalog))]
    for path in sorted(glob.glob(os.path.join(config_dir, "*.json"))):
        jobs.append((os.path.basename(path), json.load(open(path))))
    rows = {"_versions": {"torch": torch.__version__, "transformers": transformers.__version__}}
    for name, config in jobs:
        start = time.time()
        try:
            row = count(config)
        except Exception as e:  # record and go on
            row = {"error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-1500:]}
        row["seconds"] = round(time.time() - start, 2)
        rows[name] = row
        print(name, row.get("params"), row.get("error", ""), row["seconds"], flush=True)
        with open(out_path, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
