"""First-sample previews: what every layer does to one real sample, recomputed incrementally."""
