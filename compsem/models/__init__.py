"""Step 2: what a model is (specs, registry, cards), where its files are, and how they are checked and loaded."""
