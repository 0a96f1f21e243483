package io.treegrad.driver.config;

/**
 * {@code checkpoints:}.
 *
 * @param uri        where checkpoints go; defaults to {@code <output.dir>/checkpoints}
 * @param everySteps every this many steps; 0 (the default) saves only at the end
 * @param keepLast   how many of the newest checkpoints to keep (default 3)
 */
public record CheckpointConfig(String uri, Long everySteps, int keepLast) {
    public static final int DEFAULT_KEEP_LAST = 3;
}
