"""What each exercise's answer may not call: the course's own implementations and whole-job library calls.

Keyed by the grade id of the exercise's solution cell.  ``course`` lists the
course package's own implementations of the exercise (its widgets and demos need
them); ``library`` lists the library calls the exercise's text rules out;
``advice`` tells a student caught calling one what to do instead.  Every
function the exercise's test cells define is off-limits as well, without being
listed (see :mod:`course.integrity`).

NumPy, ``math`` and what an exercise's text allows are never listed: an honest
answer must never trip the rule.  A path that does not resolve here (a library
that is not installed) is skipped.  ``tests/test_offlimits.py`` checks that the
paths resolve, that each exercise's text names its library calls, and that the
instructor's solutions call none of them.

Defined in 00_big_data_in_science (every lecture's exercises use it).
"""

from __future__ import annotations

from course.integrity import Rule

_TF_CONV = ("tensorflow.nn.conv2d", "tensorflow.nn.convolution", "tensorflow.nn.depthwise_conv2d",
            "tensorflow.python.ops.gen_nn_ops", "keras.ops.conv", "keras.ops.depthwise_conv", "keras.layers.Conv2D")
_SOFTMAX = ("scipy.special.softmax", "scipy.special.log_softmax", "scipy.special.logsumexp", "tensorflow.nn.softmax",
            "tensorflow.nn.log_softmax", "keras.activations.softmax", "keras.ops.softmax", "keras.ops.log_softmax",
            "keras.layers.Softmax", "sklearn.utils.extmath.softmax")
_AUTODIFF = ("tensorflow.GradientTape", "tensorflow.gradients", "tensorflow.autodiff.ForwardAccumulator",
             "tensorflow.test.compute_gradient", "scipy.optimize.approx_fprime", "scipy.optimize.check_grad")

RULES: dict[str, Rule] = {
    # ------------------------------------------------------------- 00_big_data_in_science
    "data_volume": Rule(
        course=("course.bigdata.Survey.days_of_stream", "course.bigdata.format_bytes"),
        advice="write the table of the seven SI factors and the arithmetic yourself"),
    "streaming_stats": Rule(
        course=("course.bigdata.welford", "course.bigdata.RunningStats", "course.bigdata.naive_moments",
                "course.widgets.streaming.chunk_summaries", "course.widgets.streaming.merge_running",
                "course.widgets.streaming.chan_running", "course.widgets.streaming.naive_running",
                "course.widgets.streaming.exact_moments", "course.widgets.streaming.exact_variances",
                "course.widgets.streaming.variance_errors"),
        library=("sklearn.preprocessing.StandardScaler", "statistics.pvariance", "statistics.pstdev",
                 "statistics.fmean", "statistics.mean", "statistics.variance"),
        advice="merge each chunk's (n, mean, M2) into the running summary yourself, "
               "with the formula of Chan, Golub and LeVeque"),
    "word_count": Rule(
        course=("course.bigdata.map_reduce", "course.bigdata.shuffle", "course.bigdata.MapReduceRun"),
        library=("collections.Counter", "pandas.Series.value_counts", "pandas.DataFrame.value_counts",
                 "pandas.DataFrame.groupby", "pandas.Series.groupby"),
        advice="add up the counts in a plain dict with a for loop"),
    # ---------------------------------------------------------------- 01_ml_fundamentals
    "perceptron": Rule(
        course=("course.fundamentals.perceptron_run", "course.fundamentals.PerceptronRun"),
        library=("sklearn.linear_model",),
        advice="write the epoch loop and the mistake-driven update yourself"),
    "confusion_metrics": Rule(
        course=("course.widgets.threshold.confusion_at", "course.widgets.threshold.rates_at",
                "course.widgets.threshold.roc_curve_points",
                "course.widgets.threshold.ThresholdExplorer", "course.widgets.threshold.make_threshold_explorer"),
        library=("sklearn.metrics", "tensorflow.math.confusion_matrix", "keras.src.metrics", "pandas.crosstab"),
        advice="count the four cases yourself with NumPy comparisons, work out the expected true and false flags "
               "among n examples, and check every distinct score as a threshold"),
    "roc": Rule(
        course=("course.widgets.threshold.roc_curve_points", "course.widgets.threshold.auc_trapezoid",
                "course.widgets.threshold.ThresholdExplorer", "course.widgets.threshold.make_threshold_explorer"),
        library=("sklearn.metrics", "scipy.integrate.trapezoid", "keras.src.metrics"),
        advice="sort the scores once, count the true and false positives as the threshold falls, and add up the trapezoids yourself"),
    # ---------------------------------------------------------------- 02_neural_networks
    "activations": Rule(
        course=("course.widgets.activations", "course.training.sigmoid", "course.training._sigmoid_slope",
                "course.training._tanh_slope", "course.training._relu_slope", "course.training.backprop_factors",
                "course.generalization._sigmoid", "course.generalization.signal_propagation",
                "course.widgets.memory.activation_slope"),
        library=("scipy.special.expit", "scipy.special.log_expit", "scipy.special.softplus",
                 "keras.activations.sigmoid", "keras.activations.softplus", "keras.activations.leaky_relu",
                 "keras.activations.elu", "keras.ops.sigmoid", "keras.ops.softplus", "keras.ops.leaky_relu",
                 "keras.ops.elu", "tensorflow.nn.sigmoid", "tensorflow.nn.softplus", "tensorflow.nn.leaky_relu",
                 "tensorflow.nn.elu", "tensorflow.GradientTape"),
        advice="write each formula yourself with NumPy, never taking np.exp of a large positive number"),
    "xor_relu": Rule(
        course=("course.nn.relu_interpolation",),
        advice="tabulate the two hidden units at the four corners and choose the weights yourself"),
    "mlp_forward": Rule(
        course=("course.widgets.playground.forward", "course.widgets.playground.predict_proba",
                "course.nn.build_mlp"),
        library=("keras.layers.Dense", "keras.Sequential", "sklearn.neural_network"),
        advice="apply the layers yourself, one (W, b) pair after the other"),
    # ---------------------------------------------------------------------- 03_training
    "losses": Rule(
        course=("course.generalization.mse",),
        library=("sklearn.metrics", "keras.src.losses", "keras.src.metrics", "keras.ops.categorical_crossentropy",
                 "tensorflow.nn.softmax_cross_entropy_with_logits"),
        advice="write both formulas yourself with NumPy"),
    "gradient_descent": Rule(
        course=("course.training.optimize", "course.training.keras_path", "course.training.sgd",
                "course.widgets.descent.descend"),
        library=("keras.src.optimizers",),
        advice="write the update loop yourself and keep every iterate"),
    "two_layer_backprop": Rule(
        course=("course.training.numerical_gradient", "course.training.two_layer_loss",
                "course.training.xor_restarts", "course.widgets.playground.loss_and_grads"),
        library=_AUTODIFF + ("scipy.differentiate",),
        advice="apply the chain rule layer by layer with matrix products"),
    "momentum": Rule(
        course=("course.training.optimize", "course.training.keras_path", "course.training.sgd",
                "course.training.basins", "course.widgets.descent.descend"),
        library=("keras.src.optimizers",),
        advice="keep the velocity in a plain loop, and derive the stability limit from the recurrence for the "
               "distance to the minimum"),
    # ---------------------------------------------------------------- 04_generalization
    "stratified_split": Rule(
        library=("sklearn.model_selection",),
        advice="shuffle each class's indices with the seeded generator and cut them yourself"),
    "l2_loss": Rule(
        course=("course.generalization.gd_path",),
        library=_AUTODIFF + ("scipy.differentiate",),
        advice="derive the gradient of both terms by hand: the penalty is centred on the prior, the bias unpenalised"),
    "early_stopping": Rule(
        library=("keras.callbacks.EarlyStopping",),
        advice="keep best, best_epoch and the wait counter in a plain loop"),
    # -------------------------------------------------------- 05_convolutional_networks
    "conv_output_size": Rule(
        course=("course.widgets.convolution", "course.cnn.locally_connected_params"),
        library=_TF_CONV + ("keras.src.ops.operation_utils.compute_conv_output_shape",),
        advice="work out how many pixels the dilated kernel spans, then the output length from n, the stride and "
               "the padding, yourself"),
    "conv2d": Rule(
        course=("course.widgets.convolution", "course.cnn.locally_connected2d", "course.cnn.plot_filter_bank",
                "course.cnn.plot_shift_equivariance"),
        library=_TF_CONV + ("scipy.signal", "scipy.ndimage.correlate", "scipy.ndimage.convolve"),
        advice="pad the image and write the loop over the output pixels yourself"),
    "conv2d_layer": Rule(
        course=("course.widgets.convolution", "course.cnn.locally_connected2d", "course.cnn.plot_filter_bank",
                "course.cnn.plot_shift_equivariance"),
        library=_TF_CONV + ("scipy.signal", "scipy.ndimage.correlate", "scipy.ndimage.convolve"),
        advice="sum window x kernel over the rows, columns and input channels yourself, once per filter "
               "(your own conv2d from Exercise 2 may help)"),
    "max_pool2d": Rule(
        course=("course.widgets.convolution",),
        library=("tensorflow.nn.max_pool2d", "tensorflow.nn.max_pool", "tensorflow.nn.pool",
                 "tensorflow.python.ops.gen_nn_ops", "keras.ops.max_pool", "keras.layers.MaxPooling2D",
                 "scipy.ndimage.maximum_filter", "skimage.measure.block_reduce"),
        advice="loop over the windows and take the maximum of each yourself"),
    "build_cnn": Rule(
        course=("course.cnn.build_lecture_cnn", "course.cnn.train_digits_cnn"),
        advice="stack the Conv2D, pooling and Dense layers yourself"),
    # --------------------------------------------------------------- 06_sequence_models
    "sliding_windows": Rule(
        library=("keras.utils.timeseries_dataset_from_array", "tensorflow.signal.frame",
                 "keras.ops.extract_sequences"),
        advice="cut each window out of the series yourself"),
    "rnn_forward": Rule(
        course=("course.widgets.memory.rnn_forward", "course.widgets.memory.rnn_gradient_by_lag"),
        library=("keras.layers.SimpleRNN", "keras.layers.SimpleRNNCell", "keras.layers.RNN"),
        advice="write the recurrence yourself, one time step after the other"),
    "lstm_step": Rule(
        library=("keras.layers.LSTMCell", "keras.layers.LSTM", "keras.layers.RNN"),
        advice="write the four gates and the state update yourself with NumPy"),
    # ------------------------------------------------------- 07_attention_transformers
    "softmax": Rule(
        course=("course.transformers.stable_softmax",),
        library=_SOFTMAX,
        advice="write the max-subtracted softmax yourself with NumPy"),
    "scaled_dot_product_attention": Rule(
        course=("course.transformers.stable_softmax", "course.transformers.transformer_block"),
        library=_SOFTMAX + ("keras.layers.MultiHeadAttention", "keras.layers.Attention",
                            "keras.ops.dot_product_attention"),
        advice="mask the scores and write the max-subtracted softmax again inside the function"),
    "offset_matrix": Rule(
        course=("course.transformers.shift_matrix", "course.transformers.sinusoidal_encoding",
                "course.transformers.plot_positional_encoding"),
        advice="work out one 2x2 block from sin(a - b) and cos(a - b) and place one per pair of columns"),
    "patch_tokens": Rule(
        course=("course.transformers.patchify", "course.transformers.plot_patches"),
        library=("tensorflow.image.extract_patches", "tensorflow.nn.conv2d", "tensorflow.nn.convolution",
                 "keras.layers.Conv2D", "keras.ops.conv", "keras.ops.image.extract_patches",
                 "sklearn.feature_extraction.image.extract_patches_2d"),
        advice="cut the image into its grid of squares and apply the kernel to each yourself"),
    # -------------------------------------------------------- 08_graph_neural_networks
    "message_passing": Rule(
        library=("sklearn.preprocessing.normalize",),
        advice="sum the neighbours' states yourself, and average only where a node has neighbours"),
    "normalized_adjacency": Rule(
        course=("course.graphs.gcn_propagator", "course.widgets.smoothing.propagator_matrix",
                "course.widgets.smoothing.random_walk_propagator"),
        advice="add the self-loops, take the degrees and normalise on both sides yourself"),
    "gcn_forward": Rule(
        course=("course.graphs.GraphConv", "course.graphs.gcn_propagator", "course.widgets.smoothing.propagator_matrix",
                "course.widgets.smoothing.propagate", "course.widgets.smoothing.propagate_steps"),
        advice="apply the layers yourself, one weight matrix after the other"),
    # -------------------------------------------------------- 09_scaling_deep_learning
    "amdahl": Rule(
        course=("course.widgets.scaling.amdahl_curve", "course.scaling.plot_amdahl"),
        advice="check the inputs, then write Amdahl's formula yourself with NumPy broadcasting"),
    "max_workers": Rule(
        course=("course.scaling.allreduce_seconds", "course.scaling.data_parallel_speedup",
                "course.widgets.scaling.step_time_breakdown", "course.widgets.scaling.parallel_efficiency",
                "course.widgets.scaling.workers_for_efficiency"),
        advice="write the efficiency of K workers from the ring all-reduce model yourself and find the largest K "
               "that still meets the target"),
    "large_batch_plan": Rule(
        course=("course.scaling.warmup_schedule",),
        advice="share the target batch out over replicas and passes, and scale the learning rate, yourself"),
    "make_pipeline": Rule(
        course=("course.generalization.make_dataset",),
        advice="chain map, cache, shuffle, batch and prefetch yourself, in the order the requirements need"),
    "distributed_step": Rule(
        library=("keras.Model.fit", "keras.Model.train_on_batch", "keras.Model.train_step"),
        advice="distribute the batch with the strategy and write the replica step with tf.GradientTape yourself"),
    # --------------------------------------------------------------- 10_ml_for_science
    "cloud_rates": Rule(
        course=("course.science.cloud_rates", "course.science.format_rates", "course.science.rates_vs_threshold"),
        library=("scipy.ndimage.mean", "scipy.stats.binned_statistic", "pandas.DataFrame.groupby",
                 "pandas.Series.groupby"),
        advice="average the cloud flags of each class's pixels yourself"),
    "voxel_features": Rule(
        course=("course.science.voxel_features",),
        library=("skimage.feature.hessian_matrix", "skimage.feature.hessian_matrix_eigvals"),
        advice="compute the smoothed values, the Hessians and their eigenvalues yourself"),
    "fgsm": Rule(
        course=("course.science.fgsm", "course.science.iterated_fgsm"),
        library=("art.attacks.evasion.FastGradientMethod", "cleverhans.tf2.attacks.fast_gradient_method",
                 "foolbox.attacks.FGSM"),
        advice="take the gradient of the loss and the signed step yourself"),
}


#: The functions each exercise asks for (what its solution cell defines): where the watch reads the answers.
ANSWERS: dict[str, tuple[str, ...]] = {
    "data_volume": ("to_bytes", "days_to_fill", "disks_per_year"),
    "streaming_stats": ("streaming_stats",),
    "word_count": ("map_words", "reduce_counts"),
    "perceptron": ("perceptron_train", "perceptron_predict"),
    "confusion_metrics": ("confusion_counts", "precision_at_prevalence", "lowest_threshold"),
    "roc": ("roc_points", "roc_auc"),
    "activations": ("sigmoid", "sigmoid_derivative", "tanh_derivative", "relu_derivative", "softplus", "leaky_relu",
                    "elu", "elu_derivative"),
    "xor_relu": ("xor_weights",),
    "mlp_forward": ("mlp_forward",),
    "losses": ("rmse", "categorical_cross_entropy"),
    "gradient_descent": ("gradient_descent",),
    "two_layer_backprop": ("two_layer_grads",),
    "momentum": ("momentum_descent", "momentum_lr_limit"),
    "stratified_split": ("stratified_split",),
    "l2_loss": ("l2_loss_and_grad",),
    "early_stopping": ("early_stopping_epoch",),
    "conv_output_size": ("conv_output_size", "min_input_size"),
    "conv2d": ("conv2d",),
    "conv2d_layer": ("conv2d_layer", "colour_layer"),
    "max_pool2d": ("max_pool2d",),
    "build_cnn": ("build_cnn",),
    "sliding_windows": ("sliding_windows",),
    "rnn_forward": ("rnn_step", "rnn_forward"),
    "lstm_step": ("lstm_step",),
    "softmax": ("softmax",),
    "scaled_dot_product_attention": ("scaled_dot_product_attention",),
    "offset_matrix": ("offset_matrix",),
    "patch_tokens": ("patch_tokens",),
    "message_passing": ("message_passing",),
    "normalized_adjacency": ("normalized_adjacency",),
    "gcn_forward": ("gcn_forward",),
    "amdahl": ("amdahl_speedup",),
    "max_workers": ("max_workers",),
    "large_batch_plan": ("large_batch_plan",),
    "make_pipeline": ("make_pipeline",),
    "distributed_step": ("distributed_sgd_step",),
    "cloud_rates": ("cloud_rates",),
    "voxel_features": ("voxel_features",),
    "fgsm": ("fgsm",),
}
