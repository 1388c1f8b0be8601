"""Looking inside a CNN: filters, feature maps, training curves, receptive fields, confusion
matrices, saliency maps and Grad-CAM.

matplotlib (a dependency of strided) is imported only when a plot is drawn;
the numbers (`confusion_matrix`, `feature_maps`, `receptive_field`, `saliency_map`,
`grad_cam`) need NumPy only. Every `plot_*` function returns the matplotlib Figure (shown by
Jupyter, savable anywhere) and takes `save_path=` to write a PNG atomically, also headless.

    from strided import viz
    viz.plot_history(history, save_path="curves.png")
    viz.plot_filters(model, "conv2d")
    viz.plot_feature_maps(model, x_test[[9, 22, 45]], filter_index=2)
    print(viz.receptive_field(model))
"""

from strided.viz.confusion import confusion_matrix, plot_confusion_matrix, plot_misclassified
from strided.viz.feature_maps import feature_map_model, feature_maps, plot_feature_maps
from strided.viz.filters import plot_filters
from strided.viz.history import plot_history
from strided.viz.receptive_field import receptive_field
from strided.viz.receptive_field_plot import plot_receptive_field
from strided.viz.receptive_field_table import FieldRow, ReceptiveFieldTable
from strided.viz.saliency import grad_cam, saliency_map
from strided.viz.saliency_plot import plot_grad_cam, plot_saliency

__all__ = [
    "FieldRow", "ReceptiveFieldTable", "confusion_matrix", "feature_map_model", "feature_maps",
    "grad_cam", "plot_confusion_matrix", "plot_feature_maps", "plot_filters", "plot_grad_cam",
    "plot_history", "plot_misclassified", "plot_receptive_field", "plot_saliency",
    "receptive_field", "saliency_map",
]
