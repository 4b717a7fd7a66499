package dev.signals.cli;

import org.apache.beam.sdk.options.PipelineOptions;

/**
 * Options of a runner that is on the classpath only in its own profile (Flink's, Spark's), read
 * by name, so that the program compiles and runs without that runner.
 */
public final class RunnerOptionsByName {
  private RunnerOptionsByName() {}

  /**
   * What {@code getters} of {@code optionsClass} return for {@code options}; null when the
   * runner's class name does not start with {@code runnerPrefix} or that runner is not here.
   */
  public static Object[] read(PipelineOptions options, String runnerPrefix, String optionsClass,
      String... getters) {
    try {
      if (!options.getRunner().getSimpleName().startsWith(runnerPrefix)) {
        return null;
      }
      Class<? extends PipelineOptions> type =
          Class.forName(optionsClass).asSubclass(PipelineOptions.class);
      PipelineOptions runnerOptions = options.as(type);
      Object[] values = new Object[getters.length];
      for (int i = 0; i < getters.length; i++) {
        values[i] = type.getMethod(getters[i]).invoke(runnerOptions);
      }
      return values;
    } catch (ReflectiveOperationException | LinkageError e) {
      return null;
    }
  }
}
