package io.treegrad.driver.config;

import io.treegrad.data.BadRecordPolicy;
import java.util.Locale;

/**
 * The {@code data:} section.
 *
 * @param train      the training set (required)
 * @param test       the held-out set evaluated during training; null if none
 * @param scaling    the feature scaler fitted on {@code train} and applied to both
 * @param badRecords {@code fail} (the default: stop at the first bad record) or {@code skip}
 *                   (drop and count it)
 */
public record DataConfig(DatasetConfig train, DatasetConfig test, ScalingConfig scaling, String badRecords) {
    public static final String DEFAULT_BAD_RECORDS = "fail";

    public BadRecordPolicy badRecordPolicy() {
        return BadRecordPolicy.valueOf(badRecords.toUpperCase(Locale.ROOT));
    }
}
