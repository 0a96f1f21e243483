package io.treegrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Building optimizers from plain data: torch's defaults, the right class, and readable errors. */
class OptimizerSpecTest {
    private static String error(OptimizerSpec spec) {
        return assertThrows(IllegalArgumentException.class, spec::build).getMessage();
    }

    @Test
    void nullFieldsTakeTorchDefaults() {
        assertEquals(new OptimizerSpec("adam", 1e-3, null, null, List.of(0.9, 0.999), null, 1e-8, 0.0,
                ScheduleSpec.constant(), null), OptimizerSpec.of("adam").resolved());
        assertEquals(new OptimizerSpec("adamw", 1e-3, null, null, List.of(0.9, 0.999), null, 1e-8, 0.01,
                ScheduleSpec.constant(), null), OptimizerSpec.of("adamw").resolved());
        assertEquals(new OptimizerSpec("rmsprop", 1e-2, null, null, null, 0.99, 1e-8, 0.0,
                ScheduleSpec.constant(), null), OptimizerSpec.of("rmsprop").resolved());
        assertEquals(new OptimizerSpec("adagrad", 1e-2, null, null, null, null, 1e-10, 0.0,
                ScheduleSpec.constant(), null), OptimizerSpec.of("adagrad").resolved());
        assertEquals(new OptimizerSpec("sgd", 0.1, 0.0, false, null, null, null, 0.0,
                ScheduleSpec.constant(), 1.0), OptimizerSpec.of("sgd").withLr(0.1).withClipNorm(1).resolved());
    }

    @Test
    void buildsTheClassOfTheType() {
        assertInstanceOf(Sgd.class, OptimizerSpec.of("sgd").withLr(0.1).build());
        assertInstanceOf(Sgd.class, OptimizerSpec.of("sgd").withLr(0.1).withMomentum(0).build());
        assertInstanceOf(SgdMomentum.class, OptimizerSpec.of("sgd").withLr(0.1).withMomentum(0.9).build());
        assertInstanceOf(SgdNesterov.class,
                OptimizerSpec.of("sgd").withLr(0.1).withMomentum(0.9).withNesterov(true).build());
        assertInstanceOf(AdaGrad.class, OptimizerSpec.of("adagrad").build());
        assertInstanceOf(RmsProp.class, OptimizerSpec.of("rmsprop").build());
        assertInstanceOf(Adam.class, OptimizerSpec.of("adam").build());
        assertInstanceOf(AdamW.class, OptimizerSpec.of("adamw").build());
        Optimizer clipped = OptimizerSpec.of("adam").withClipNorm(0.5)
                .withSchedule(ScheduleSpec.cosine(100, 1e-5).withWarmup(10)).build();
        assertEquals(0.5, clipped.clipNorm(), 0.0);
        assertEquals(new LrSchedule.Warmup(10, new LrSchedule.Cosine(1e-3, 1e-5, 100)), clipped.schedule());
        assertEquals(0.0, OptimizerSpec.of("adam").build().clipNorm(), 0.0);
    }

    @Test
    void errorsNameTheKeyAndTheExpectedRange() {
        assertEquals("optimizer.lr: must be > 0, got -0.1", error(OptimizerSpec.of("sgd").withLr(-0.1)));
        assertEquals("optimizer.lr: required for sgd (torch.optim.SGD has no default)", error(OptimizerSpec.of("sgd")));
        assertEquals("optimizer.type: must be one of [sgd, adagrad, rmsprop, adam, adamw], got 'adma'",
                error(OptimizerSpec.of("adma")));
        assertEquals("optimizer.type: required, one of [sgd, adagrad, rmsprop, adam, adamw]",
                error(OptimizerSpec.of(null)));
        assertEquals("optimizer.momentum: must be in [0, 1), got 1.0",
                error(OptimizerSpec.of("sgd").withLr(0.1).withMomentum(1)));
        assertEquals("optimizer.nesterov: needs optimizer.momentum > 0, got momentum unset (0)",
                error(OptimizerSpec.of("sgd").withLr(0.1).withNesterov(true)));
        assertEquals("optimizer.betas[1]: must be in [0, 1), got 1.0", error(OptimizerSpec.of("adam").withBetas(0.9, 1)));
        assertEquals("optimizer.betas: must be 2 numbers [beta1, beta2], got 3: [0.9, 0.99, 0.999]",
                error(new OptimizerSpec("adam", null, null, null, List.of(0.9, 0.99, 0.999), null, null, null, null,
                        null)));
        assertEquals("optimizer.betas[0]: must be a number in [0, 1), got null",
                error(new OptimizerSpec("adam", null, null, null, Arrays.asList(null, 0.99), null, null, null, null,
                        null)));
        assertEquals("optimizer.eps: must be > 0, got 0.0", error(OptimizerSpec.of("rmsprop").withEps(0)));
        assertEquals("optimizer.alpha: must be in [0, 1), got -0.5", error(OptimizerSpec.of("rmsprop").withAlpha(-0.5)));
        assertEquals("optimizer.weightDecay: must be >= 0, got -0.01",
                error(OptimizerSpec.of("adamw").withWeightDecay(-0.01)));
        assertEquals("optimizer.clipNorm: must be > 0, got 0.0", error(OptimizerSpec.of("adam").withClipNorm(0)));
    }

    @Test
    void aFieldTheTypeDoesNotUseIsAnErrorNotIgnored() {
        assertEquals("optimizer.momentum: not used by adam (only by sgd)",
                error(OptimizerSpec.of("adam").withMomentum(0.9)));
        assertEquals("optimizer.betas: not used by sgd (only by adam, adamw)",
                error(OptimizerSpec.of("sgd").withLr(0.1).withBetas(0.9, 0.99)));
        assertEquals("optimizer.eps: not used by sgd (only by adagrad, rmsprop, adam, adamw)",
                error(OptimizerSpec.of("sgd").withLr(0.1).withEps(1e-8)));
        assertEquals("optimizer.alpha: not used by adam (only by rmsprop)", error(OptimizerSpec.of("adam").withAlpha(0.9)));
    }

    @Test
    void scheduleErrorsNameTheirKeyUnderTheOptimizer() {
        assertEquals("optimizer.schedule.gamma: must be in (0, 1], got 1.5",
                error(OptimizerSpec.of("adam").withSchedule(ScheduleSpec.exponential(1.5))));
        assertEquals("optimizer.schedule.tMax: required by a 'cosine' schedule",
                error(OptimizerSpec.of("adam").withSchedule(new ScheduleSpec("cosine", null, null, null, null, null,
                        null))));
        assertEquals("optimizer.schedule.decay: not used by a 'step' schedule (only by inverse_time)",
                error(OptimizerSpec.of("adam").withSchedule(new ScheduleSpec("step", 10L, null, 0.1, null, null,
                        null))));
        assertEquals("optimizer.schedule.minLr: must be <= the optimizer's lr (0.001), got 0.01",
                error(OptimizerSpec.of("adam").withSchedule(ScheduleSpec.cosine(100, 0.01))));
        assertEquals("optimizer.schedule.warmupSteps: must be >= 0, got -1",
                error(OptimizerSpec.of("adam").withSchedule(ScheduleSpec.constant().withWarmup(-1))));
        assertEquals("optimizer.schedule.type: must be one of [constant, step, exponential, inverse_time, cosine],"
                        + " got 'linear'",
                error(OptimizerSpec.of("adam").withSchedule(new ScheduleSpec("linear", null, null, null, null, null,
                        null))));
        // StepLR's default gamma
        assertEquals(new LrSchedule.StepDecay(1e-3, 10, 0.1),
                OptimizerSpec.of("adam").withSchedule(new ScheduleSpec("step", 10L, null, null, null, null, null))
                        .build().schedule());
    }

    @Test
    void everyProblemIsReportedAtOnceUnderTheGivenPath() {
        OptimizerSpec bad = OptimizerSpec.of("sgd").withLr(-1).withMomentum(2).withWeightDecay(-1)
                .withSchedule(ScheduleSpec.step(0, 0.5));
        assertEquals(List.of("train.optimizer.lr: must be > 0, got -1.0",
                        "train.optimizer.momentum: must be in [0, 1), got 2.0",
                        "train.optimizer.weightDecay: must be >= 0, got -1.0",
                        "train.optimizer.schedule.stepSize: must be >= 1, got 0"),
                bad.problems("train.optimizer"));
        String message = assertThrows(IllegalArgumentException.class, () -> bad.build("train.optimizer")).getMessage();
        assertTrue(message.startsWith("train.optimizer.lr: must be > 0, got -1.0; train.optimizer.momentum"), message);
        assertEquals(List.of(), OptimizerSpec.of("adamw").problems());
    }

    /** A config file maps onto the record as it is (here JSON; YAML goes through the same mapper). */
    @Test
    void mapsFromAConfigDocument() throws Exception {
        String json = """
                {"type": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": true, "weightDecay": 1e-4,
                 "clipNorm": 5.0,
                 "schedule": {"type": "cosine", "tMax": 1000, "minLr": 1e-5, "warmupSteps": 100}}""";
        OptimizerSpec spec = new ObjectMapper().readValue(json, OptimizerSpec.class);
        assertEquals(OptimizerSpec.of("sgd").withLr(0.05).withMomentum(0.9).withNesterov(true).withWeightDecay(1e-4)
                .withClipNorm(5).withSchedule(ScheduleSpec.cosine(1000, 1e-5).withWarmup(100)), spec);
        Optimizer opt = spec.build();
        assertInstanceOf(SgdNesterov.class, opt);
        assertEquals(0.05 / 100, opt.schedule().lr(0), 1e-18);
    }
}
