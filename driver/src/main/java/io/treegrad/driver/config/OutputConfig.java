package io.treegrad.driver.config;

/**
 * {@code output:}.
 *
 * @param dir           where the run writes its metrics, resolved config and (by default) checkpoints:
 *                      a Hadoop URI or a local path (required)
 * @param logEverySteps log training loss every this many steps (default 50)
 */
public record OutputConfig(String dir, Long logEverySteps) {
    public static final long DEFAULT_LOG_EVERY_STEPS = 50;
}
