package io.treegrad.driver.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestTest {
    static final List<String> TRAINING = ExperimentReader.TRAINING_KEYS;

    @Test
    void typosFindTheKeyTheyMeant() {
        assertEquals("batch_size", Suggest.nearest("batchsize", TRAINING));   // separator dropped
        assertEquals("batch_size", Suggest.nearest("batchSize", TRAINING));   // camelCase
        assertEquals("batch_size", Suggest.nearest("bach_size", TRAINING));   // a letter missing
        assertEquals("batch_size", Suggest.nearest("batch-size", TRAINING));
        assertEquals("epochs", Suggest.nearest("epoch", TRAINING));
        assertEquals("partitions", Suggest.nearest("partitons", TRAINING));
        assertEquals("csv", Suggest.nearest("cvs", DatasetConfig.FORMATS));    // two letters swapped
        assertEquals("relu", Suggest.nearest("rleu", ModelReader.TYPES));
    }

    @Test
    void unrelatedWordsFindNothing() {
        assertNull(Suggest.nearest("workers", TRAINING));
        assertNull(Suggest.nearest("lr", TRAINING));
        assertNull(Suggest.nearest("dense", ModelReader.TYPES));
    }

    @Test
    void distanceCountsInsertionsDeletionsSubstitutionsAndSwaps() {
        assertEquals(3, Suggest.distance("kitten", "sitting"));
        assertEquals(1, Suggest.distance("cvs", "csv"));
        assertEquals(0, Suggest.distance("", ""));
        assertEquals(4, Suggest.distance("", "relu"));
    }
}
