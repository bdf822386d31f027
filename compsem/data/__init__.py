"""Step 1 of the data path: pair files, categories, labels, the result schema, the public datasets, the six edits."""
