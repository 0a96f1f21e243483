package io.treegrad.data;

/** A reader's output: the records as a {@link Dataset}, and the {@link ReadReport} of the read. */
public record ReadResult(Dataset dataset, ReadReport report) {}
