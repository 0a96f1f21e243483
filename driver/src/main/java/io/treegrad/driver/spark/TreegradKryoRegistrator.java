package io.treegrad.driver.spark;

import com.esotericsoftware.kryo.Kryo;
import io.treegrad.train.GradientSum;
import org.apache.spark.serializer.KryoRegistrator;

/** Every class treegrad ships between driver and executors (registration is required). */
public final class TreegradKryoRegistrator implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(float[].class);
        kryo.register(double[].class);
        kryo.register(int[].class);
        kryo.register(long[].class);
        kryo.register(Object[].class);
        kryo.register(GradientSum.class);
        kryo.register(EvalSum.class);
        kryo.register(Shard.class);
        kryo.register(ColumnStats.class);
    }
}
