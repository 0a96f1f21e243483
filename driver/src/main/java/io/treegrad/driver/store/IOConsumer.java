package io.treegrad.driver.store;

import java.io.IOException;

/** Something that consumes a value and may fail with an {@link IOException}: the body of a file write. */
@FunctionalInterface
public interface IOConsumer<T> {
    void accept(T value) throws IOException;
}
