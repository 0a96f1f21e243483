package io.treegrad.driver.spark;

import io.treegrad.train.GradientSum;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.Iterator;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * The {@code gang} step transport: steps without a Spark job each. One Spark job in barrier mode
 * runs a long-lived task per partition (all launched together); each task connects to a server
 * socket on the driver and then, step after step, receives the flat parameters, computes its share
 * of the step on its cached shard (the same {@link DistributedTrainer#work} as a job's task) and
 * sends back its {@link GradientSum}. The driver adds the partials in partition order, steps its
 * optimizer and sends the next parameters. What a step no longer pays: scheduling two tasks, the
 * executors' broadcast fetch, the task and result (de)serialization and status messages (on the
 * 2-executor loopback cluster ~75 ms of a 1M step; docs/benchmarks-spark.md).
 *
 * <p>The parameters and gradients are the same numbers the job transports carry, added in partition
 * order: with two partitions the trajectory is bit-identical to theirs (float addition commutes),
 * with more it is deterministic where treeAggregate's merge order is not.
 *
 * <p>Limits, by construction: a barrier job needs a free task slot for every partition at once, and
 * holds them until {@link #stop()}: no other Spark job of the application can run on those slots
 * meanwhile (the trainer stops the gang before its evaluations). The driver sends and receives one
 * copy per partition (a star, not a tree): meant for a handful of executors. The traffic is plain TCP
 * (a random per-run token admits the tasks), so it is refused when Spark's network encryption is on.
 *
 * <p>Failures: Spark does not retry a failed barrier result stage, so the driver does. A lost
 * connection (an executor died) closes every connection (which ends the surviving tasks), waits for
 * the job to end and starts a fresh one that recomputes the same step from the same parameters; after
 * {@value #MAX_RESTARTS} restarts without a finished step the run fails with the job's error. A task
 * whose own code throws sends the exception (class, message, stack of it and its causes) to the
 * driver, which fails the step with a copy of it as the cause
 * (as a job's failed task would; it is a function of the parameters, step and data, so it is not
 * retried). A step that outlives the trainer's job time limit fails the run.
 */
final class GangSteps implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GangSteps.class);
    private static final int MAGIC = 0x54474731;   // "TGG1"
    private static final int STEP = 1;
    private static final int STOP = 2;
    private static final int REPLY = 3;
    /** A task's own failure, with its exception as text ({@link Wire#bytes}): not retried, rethrown on the driver. */
    private static final int FAILED = 4;
    /** Restarts of the gang without a finished step in between before the run gives up. */
    static final int MAX_RESTARTS = 3;
    private static final AtomicLong GANGS = new AtomicLong();

    private final JavaSparkContext jsc;
    private final JavaRDD<Shard> shards;
    private final TrainSpec spec;
    private final int partitions;
    private final long timeoutMillis;
    private final byte[] token = new byte[32];
    private final ServerSocket server;
    private final String host;
    private final String group = "treegrad-gang-" + GANGS.incrementAndGet();
    /** Each start's number, carried in the tasks' hello: a late task of an earlier start is turned away. */
    private int generation;
    private CompletableFuture<Void> job;
    /** One per partition while the gang runs, else null. */
    private volatile Conn[] conns;
    /** The step's parameters as little-endian bytes, encoded once and sent to every task. */
    private byte[] paramBytes = new byte[0];
    /** Completed exchanges since the last restart; restarts in a row without one. */
    private int restartsInARow;

    /**
     * Yields the slots to any other job: when a Spark job outside the gang's job group starts while
     * the gang runs (code that did not {@link #stop()} it first: another trainer, an evaluation, a
     * user's job), the gang is stopped on a thread of its own once the step in progress is done, so
     * that job gets the task slots instead of waiting for them forever; the next step starts the
     * gang again.
     */
    private final org.apache.spark.scheduler.SparkListener yielder = new org.apache.spark.scheduler.SparkListener() {
        @Override
        public void onJobStart(org.apache.spark.scheduler.SparkListenerJobStart e) {
            String g = e.properties() == null ? null : e.properties().getProperty("spark.jobGroup.id");
            if (conns != null && !group.equals(g)) {
                YIELDING.submit(GangSteps.this::stop);
            }
        }
    };
    private static final java.util.concurrent.ExecutorService YIELDING = DistributedTrainer.daemonThread("treegrad-gang-yield");

    /** A step's partials added in partition order, and how long sending the parameters took. */
    record Exchange(GradientSum sum, long sendNanos) {}

    GangSteps(JavaSparkContext jsc, JavaRDD<Shard> shards, TrainSpec spec, long timeoutSeconds) {
        SparkConf conf = jsc.getConf();
        String refused = refusal(conf);
        if (refused != null) {
            throw new IllegalArgumentException(refused);
        }
        this.jsc = jsc;
        this.shards = shards;
        this.spec = spec;
        this.partitions = shards.getNumPartitions();
        this.timeoutMillis = Math.max(0, timeoutSeconds) * 1000;
        this.host = conf.get("spark.driver.host");
        new SecureRandom().nextBytes(token);
        jsc.sc().addSparkListener(yielder);
        try {
            String bind = conf.get("spark.driver.bindAddress", host);
            this.server = new ServerSocket(0, Math.max(50, 2 * partitions), InetAddress.getByName(bind));
        } catch (IOException e) {
            throw new IllegalStateException("the gang transport could not listen on the driver's address: " + e, e);
        }
    }

    /** Why this application's Spark conf rules the gang out, or null if it does not. */
    static String refusal(SparkConf conf) {
        if (conf.getBoolean("spark.network.crypto.enabled", false) || conf.getBoolean("spark.ssl.enabled", false)) {
            return "Spark conf " + DistributedTrainer.TRANSPORT_CONF + "=gang sends the parameters and gradients"
                    + " over plain TCP, but this application encrypts its traffic (spark.network.crypto.enabled or"
                    + " spark.ssl.enabled): use the broadcast or tasks transport";
        }
        if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
            return "Spark conf " + DistributedTrainer.TRANSPORT_CONF + "=gang runs a barrier job, which Spark does not"
                    + " allow with spark.dynamicAllocation.enabled=true: use the broadcast or tasks transport, or turn"
                    + " dynamic allocation off";
        }
        return null;
    }

    /**
     * Sends step {@code step}'s parameters to every task and returns their partials added in partition
     * order, (re)starting the gang where it is not running.
     */
    synchronized Exchange exchange(long step, Object params, long minibatchLimit) {
        while (true) {
            try {
                if (conns == null) {
                    start(step);
                }
                long t0 = System.nanoTime();
                int n = encode(params);
                boolean doubles = params instanceof double[];
                for (Conn c : conns) {
                    c.sendStep(step, minibatchLimit, doubles, paramBytes, n);
                }
                long sent = System.nanoTime() - t0;
                GradientSum sum = GradientSum.empty();
                for (Conn c : conns) {
                    sum.merge(c.readReply());
                }
                restartsInARow = 0;
                return new Exchange(sum, sent);
            } catch (TaskFailed e) {
                abort();
                // its own error, as a job's failed task would give it: a function of the parameters, the
                // step and the data, so a restart would fail the same way
                throw new IllegalStateException("step " + step + ": gang task " + e.partition + " failed: "
                        + e.taskClass + ": " + e.getCause().getMessage(), e.getCause());
            } catch (SocketTimeoutException e) {
                // a stuck task will not see its connection close: cancel the job, wait for nothing
                closeConnections();
                jsc.cancelJobGroup(group);
                job = null;
                throw new JobWatchdog.JobTimeoutException("step " + step + " did not finish within "
                        + timeoutMillis / 1000 + " s (training.job_timeout_seconds), so its gang tasks were stopped:"
                        + " a stuck executor? Nothing was written for it; the last checkpoint is intact (train --resume)", e);
            } catch (IOException e) {
                Throwable cause = abort();
                if (cause == null) {
                    cause = e;
                } else if (cause != e) {
                    cause.addSuppressed(e);
                }
                if (++restartsInARow > MAX_RESTARTS) {
                    throw new IllegalStateException("step " + step + ": the gang tasks failed " + restartsInARow
                            + " times in a row (" + DistributedTrainer.TRANSPORT_CONF + "=gang); last: " + cause, cause);
                }
                LOG.warn("treegrad: step {}: gang tasks lost ({}); restarting them and recomputing the step ({} of {})",
                        step, cause.toString(), restartsInARow, MAX_RESTARTS);
            }
        }
    }

    /** Ends the tasks (their job finishes) and frees their slots; the next {@link #exchange} starts a new gang. */
    synchronized void stop() {
        if (conns == null) {
            return;
        }
        for (Conn c : conns) {
            try {
                c.out.writeInt(STOP);
                c.out.flush();
            } catch (IOException e) {
                LOG.debug("treegrad: gang task {} already gone: {}", c.partition, e.toString());
            }
        }
        Throwable failed = abort();
        if (failed != null) {
            LOG.warn("treegrad: the gang job failed as it was being stopped: {}", failed.toString());
        }
    }

    @Override
    public void close() {
        jsc.sc().removeSparkListener(yielder);
        stop();
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("treegrad: closing the gang's server socket: {}", e.toString());
        }
    }

    /** Submits the barrier job and waits until every partition's task has connected. */
    private void start(long step) throws IOException {
        int gen = ++generation;
        RDD<Object> tasks = shards.rdd().barrier().mapPartitions(
                new Task(host, server.getLocalPort(), token, gen, spec), false, ClassTag$.MODULE$.Object());
        CompletableFuture<Void> f = new CompletableFuture<>();
        job = f;
        Thread t = new Thread(() -> {
            jsc.setJobGroup(group, "treegrad: gang steps from step " + step, false);
            try {
                tasks.count();
                f.complete(null);
            } catch (Throwable e) {   // Scala's SparkException is checked in Java's eyes
                f.completeExceptionally(e);
            }
        }, "treegrad-gang-job-" + gen);
        t.setDaemon(true);
        t.start();
        Conn[] got = new Conn[partitions];
        int have = 0;
        long deadline = timeoutMillis > 0 ? System.nanoTime() + timeoutMillis * 1_000_000 : Long.MAX_VALUE;
        long nextNote = System.nanoTime() + 30_000_000_000L;
        server.setSoTimeout(100);
        try {
            while (have < partitions) {
                if (f.isDone()) {
                    throw new IOException("the gang job ended before its " + partitions + " tasks connected ("
                            + have + " did)", failure(f));
                }
                if (System.nanoTime() > deadline) {
                    throw new SocketTimeoutException("only " + have + " of " + partitions + " gang tasks connected");
                }
                if (System.nanoTime() > nextNote) {
                    LOG.info("treegrad: waiting for gang tasks ({} of {} connected): a barrier job needs a free slot"
                            + " for every partition at once", have, partitions);
                    nextNote = System.nanoTime() + 30_000_000_000L;
                }
                Socket s;
                try {
                    s = server.accept();
                } catch (SocketTimeoutException e) {
                    continue;
                }
                Conn c = Conn.hello(s, gen, token, timeoutMillis);
                if (c == null || c.partition < 0 || c.partition >= partitions || got[c.partition] != null) {
                    if (c != null) {
                        LOG.warn("treegrad: gang connection for partition {} turned away", c.partition);
                    }
                    closeQuietly(s);
                    continue;
                }
                got[c.partition] = c;
                have++;
            }
        } catch (IOException | RuntimeException e) {
            for (Conn c : got) {
                if (c != null) {
                    closeQuietly(c.socket);
                }
            }
            throw e;
        }
        conns = got;
    }

    /**
     * Closes every connection (a task blocked on it sees the end of its stream and returns), waits for
     * the job to end (cancelling it after a minute) and returns its failure, or null.
     */
    private Throwable abort() {
        closeConnections();
        CompletableFuture<Void> f = job;
        job = null;
        if (f == null) {
            return null;
        }
        try {
            f.get(60, TimeUnit.SECONDS);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            jsc.cancelJobGroup(group);
            return e;
        }
    }

    private void closeConnections() {
        if (conns != null) {
            for (Conn c : conns) {
                closeQuietly(c.socket);
            }
            conns = null;
        }
    }

    private static Throwable failure(CompletableFuture<Void> f) {
        try {
            f.getNow(null);
            return null;
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    private int encode(Object params) {
        int n = Math.toIntExact(ParamShards.bytes(params));
        if (paramBytes.length < n) {
            paramBytes = new byte[n];
        }
        ParamShards.put(params, paramBytes);
        return n;
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing to keep
        }
    }

    /** The driver's end of one task's connection, with the buffers its replies are read into. */
    private static final class Conn {
        final Socket socket;
        final int partition;
        final DataInputStream in;
        final DataOutputStream out;
        byte[] bytes = new byte[0];
        Object values;

        private Conn(Socket socket, int partition) throws IOException {
            this.socket = socket;
            this.partition = partition;
            this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
            this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 1 << 16));
        }

        /** Reads a task's hello; null (and the socket to be closed) if it is not one of this start's tasks. */
        static Conn hello(Socket s, int generation, byte[] token, long timeoutMillis) {
            try {
                s.setSoTimeout(10_000);
                s.setTcpNoDelay(true);
                DataInputStream in = new DataInputStream(s.getInputStream());
                if (in.readInt() != MAGIC) {
                    return null;
                }
                byte[] theirs = new byte[token.length];
                in.readFully(theirs);
                int gen = in.readInt();
                int partition = in.readInt();
                if (!MessageDigest.isEqual(token, theirs) || gen != generation) {
                    return null;
                }
                s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis));
                return new Conn(s, partition);
            } catch (IOException e) {
                LOG.debug("treegrad: a gang connection failed its hello: {}", e.toString());
                return null;
            }
        }

        void sendStep(long step, long limit, boolean doubles, byte[] params, int n) throws IOException {
            out.writeInt(STEP);
            out.writeLong(step);
            out.writeLong(limit);
            out.writeBoolean(doubles);
            out.writeInt(n);
            out.write(params, 0, n);
            out.flush();
        }

        GradientSum readReply() throws IOException {
            int kind = in.readInt();
            if (kind == FAILED) {
                String taskClass = in.readUTF();
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                throw new TaskFailed(partition, taskClass, Wire.exception(b));
            }
            if (kind != REPLY) {
                throw new IOException("gang task " + partition + " sent message " + kind + ", expected a reply");
            }
            long count = in.readLong();
            double lossSum = in.readDouble();
            long correct = in.readLong();
            double squaredErrors = in.readDouble();
            long computeNanos = in.readLong();
            boolean doubles = in.readBoolean();
            int n = in.readInt();
            Object buffer = null;
            if (n >= 0) {
                if (bytes.length < n) {
                    bytes = new byte[n];
                }
                in.readFully(bytes, 0, n);
                values = ParamShards.get(bytes, n, doubles, values);
                buffer = values;
            }
            return GradientSum.of(buffer, lossSum, count, correct, squaredErrors, computeNanos);
        }
    }

    /** A task reported its own failure (not a lost connection). */
    private static final class TaskFailed extends IOException {
        @Serial
        private static final long serialVersionUID = 1L;
        final int partition;
        final String taskClass;

        TaskFailed(int partition, String taskClass, Throwable cause) {
            super(cause);
            this.partition = partition;
            this.taskClass = taskClass;
        }
    }

    /** A task's exception on the wire (the flat arrays go as {@link ParamShards#put} writes them). */
    static final class Wire {
        private Wire() {}

        /**
         * {@code t} and its causes as text: each one's class name, message and stack frames (no Java
         * serialization: the driver rebuilds them from standard types, {@link #exception}).
         */
        static byte[] bytes(Throwable t) {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(b)) {
                java.util.List<Throwable> chain = new java.util.ArrayList<>();
                for (Throwable c = t; c != null && chain.size() < 8 && !chain.contains(c); c = c.getCause()) {
                    chain.add(c);
                }
                out.writeInt(chain.size());
                for (Throwable c : chain) {
                    out.writeUTF(c.getClass().getName());
                    out.writeBoolean(c.getMessage() != null);
                    if (c.getMessage() != null) {
                        String m = c.getMessage();
                        out.writeUTF(m.length() > 8192 ? m.substring(0, 8192) + "..." : m);
                    }
                    StackTraceElement[] frames = c.getStackTrace();
                    int n = Math.min(frames.length, 64);
                    out.writeInt(n);
                    for (int i = 0; i < n; i++) {
                        StackTraceElement f = frames[i];
                        out.writeUTF(f.getClassName());
                        out.writeUTF(f.getMethodName());
                        out.writeUTF(f.getFileName() == null ? "" : f.getFileName());
                        out.writeInt(f.getLineNumber());
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);   // a byte array does not fail
            }
            return b.toByteArray();
        }

        /**
         * A task's exception chain back, each level with its message and stack as a standard type of
         * the same kind (an IllegalArgumentException subclass becomes an IllegalArgumentException, an
         * IOException an IOException, ...), so the driver's error handling reads it as a job's failed
         * task would give it; the task's class name goes into the step's message.
         */
        static Throwable exception(byte[] bytes) {
            try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
                int levels = in.readInt();
                String[] names = new String[levels];
                String[] messages = new String[levels];
                StackTraceElement[][] stacks = new StackTraceElement[levels][];
                for (int i = 0; i < levels; i++) {
                    names[i] = in.readUTF();
                    messages[i] = in.readBoolean() ? in.readUTF() : null;
                    stacks[i] = new StackTraceElement[in.readInt()];
                    for (int j = 0; j < stacks[i].length; j++) {
                        String cls = in.readUTF();
                        String method = in.readUTF();
                        String file = in.readUTF();
                        stacks[i][j] = new StackTraceElement(cls, method, file.isEmpty() ? null : file, in.readInt());
                    }
                }
                Throwable cause = null;
                for (int i = levels - 1; i >= 0; i--) {
                    Throwable t = like(names[i], messages[i], cause);
                    t.setStackTrace(stacks[i]);
                    cause = t;
                }
                return cause != null ? cause : new IllegalStateException("a gang task failed without an exception");
            } catch (IOException e) {
                return new IllegalStateException("a gang task failed, and its error could not be read: " + e, e);
            }
        }

        /** A standard throwable of {@code className}'s kind with its message. */
        private static Throwable like(String className, String message, Throwable cause) {
            Class<?> c;
            try {
                c = Class.forName(className, false, GangSteps.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                c = RuntimeException.class;
            }
            Throwable t = IllegalArgumentException.class.isAssignableFrom(c) ? new IllegalArgumentException(message)
                    : IOException.class.isAssignableFrom(c) ? new IOException(message)
                    : UnsupportedOperationException.class.isAssignableFrom(c) ? new UnsupportedOperationException(message)
                    : IllegalStateException.class.isAssignableFrom(c) ? new IllegalStateException(message)
                    : ArithmeticException.class.isAssignableFrom(c) ? new ArithmeticException(message)
                    : OutOfMemoryError.class.isAssignableFrom(c) ? new OutOfMemoryError(message)
                    : Error.class.isAssignableFrom(c) ? new Error(className + ": " + message)
                    : new RuntimeException(className + ": " + message);
            if (cause != null) {
                t.initCause(cause);
            }
            return t;
        }

    }

    /**
     * A gang task, on an executor: connects to the driver, then serves steps on its partition's shard
     * until the driver says stop or goes away (the end of the stream: the driver is restarting or
     * ending the gang).
     */
    static final class Task extends AbstractFunction1<Iterator<Shard>, Iterator<Object>> implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
        private final String host;
        private final int port;
        private final byte[] token;
        private final int generation;
        private final TrainSpec spec;

        Task(String host, int port, byte[] token, int generation, TrainSpec spec) {
            this.host = host;
            this.port = port;
            this.token = token;
            this.generation = generation;
            this.spec = spec;
        }

        @Override
        public Iterator<Object> apply(Iterator<Shard> it) {
            Shard shard = it.next();
            if (it.hasNext()) {   // also ends the cached block's read: an unpersist need not wait for the gang
                throw new IllegalStateException("a gang task expects one shard per partition");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 30_000);
                s.setTcpNoDelay(true);
                s.setKeepAlive(true);
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16));
                DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
                out.writeInt(MAGIC);
                out.write(token);
                out.writeInt(generation);
                out.writeInt(TaskContext.getPartitionId());
                out.flush();
                serve(shard, in, out);
            } catch (IOException e) {
                throw new IllegalStateException("gang task " + TaskContext.getPartitionId() + ": connection to the"
                        + " driver at " + host + ":" + port + " failed: " + e, e);
            }
            return NONE;
        }

        /** No elements (Scala 2.12 types Iterator.empty as Iterator[Nothing], 2.13 generically). */
        @SuppressWarnings("unchecked")
        private static final Iterator<Object> NONE = (Iterator<Object>) (Iterator<?>) scala.collection.Iterator$.MODULE$.empty();

        private void serve(Shard shard, DataInputStream in, DataOutputStream out) throws IOException {
            byte[] bytes = new byte[0];
            Object params = null;
            while (true) {
                int kind;
                try {
                    kind = in.readInt();
                } catch (EOFException e) {
                    return;   // the driver closed the connection: it is restarting or ending the gang
                }
                if (kind == STOP) {
                    return;
                }
                if (kind != STEP) {
                    throw new IOException("unexpected message " + kind + " from the driver");
                }
                long step = in.readLong();
                long limit = in.readLong();
                boolean doubles = in.readBoolean();
                int n = in.readInt();
                if (bytes.length < n) {
                    bytes = new byte[n];
                }
                in.readFully(bytes, 0, n);
                params = ParamShards.get(bytes, n, doubles, params);
                GradientSum g;
                try {
                    g = DistributedTrainer.work(spec, shard, params, step, limit);
                } catch (RuntimeException | Error e) {   // tell the driver what failed, then fail the task too
                    byte[] b = Wire.bytes(e);
                    out.writeInt(FAILED);
                    out.writeUTF(e.getClass().getName());
                    out.writeInt(b.length);
                    out.write(b);
                    out.flush();
                    throw e;
                }
                Object sum = g.buffer();
                out.writeInt(REPLY);
                out.writeLong(g.count());
                out.writeDouble(g.lossSum());
                out.writeLong(g.correct());
                out.writeDouble(g.squaredErrors());
                out.writeLong(g.computeNanos());
                out.writeBoolean(sum instanceof double[]);
                if (sum == null) {
                    out.writeInt(-1);
                } else {
                    int m = Math.toIntExact(ParamShards.bytes(sum));
                    if (bytes.length < m) {
                        bytes = new byte[m];
                    }
                    ParamShards.put(sum, bytes);
                    out.writeInt(m);
                    out.write(bytes, 0, m);
                }
                out.flush();
            }
        }
    }
}
