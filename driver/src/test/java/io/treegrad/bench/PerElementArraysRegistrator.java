package io.treegrad.bench;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.DefaultArraySerializers;
import io.treegrad.driver.spark.TreegradKryoRegistrator;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * treegrad's registrator with Kryo's own per-element {@code float[]}/{@code double[]} serializers put
 * back: the paired "before" of the bulk array serializer in bench-spark's lever rows
 * ({@code spark.kryo.registrator} set to this class).
 */
public final class PerElementArraysRegistrator implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        new TreegradKryoRegistrator().registerClasses(kryo);
        kryo.register(float[].class, new DefaultArraySerializers.FloatArraySerializer());
        kryo.register(double[].class, new DefaultArraySerializers.DoubleArraySerializer());
    }
}
