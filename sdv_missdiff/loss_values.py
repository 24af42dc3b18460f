"""Loss values of a fitted synthesizer, through SDV's ``LossValuesMixin``."""

import numpy as np
import pandas as pd
import plotly.express as px
from sdmetrics import visualization
from sdv.single_table.ctgan import LossValuesMixin


class LossValuesPlotMixin(LossValuesMixin):
    """SDV's loss-value methods for a model that keeps one mean loss per epoch as a list.

    SDV's mixin checks that the synthesizer is fitted and copies ``_model.loss_values``; its
    plot draws a GAN's two losses, so the plot of the one denoising loss is drawn here.
    """

    def get_loss_values(self):
        """Get the mean training loss of every epoch.

        Returns:
            pandas.DataFrame:
                Columns ``'Epoch'`` and ``'Loss'``.

        Raises:
            NotFittedError: If the synthesizer has not been fitted.
        """
        # SDV's mixin checks the fit and copies the model's losses; the torch model keeps them
        # as a plain list (no pandas there), made a frame here.
        losses = super().get_loss_values()
        return pd.DataFrame({'Epoch': np.arange(len(losses)), 'Loss': losses})

    def get_loss_values_plot(self, title='MissDiff loss function'):
        """Plot the training loss per epoch.

        Args:
            title (str):
                Title of the plot. Defaults to ``'MissDiff loss function'``.

        Returns:
            plotly.graph_objects.Figure:
                Line plot of the loss against the epoch.
        """
        loss_values = self.get_loss_values()
        figure = px.line(
            loss_values,
            x='Epoch',
            y='Loss',
            color_discrete_sequence=[visualization.PlotConfig.DATACEBO_DARK],
        )
        figure.update_layout(
            template='plotly_white',
            title=title,
            xaxis_title='Epoch',
            yaxis_title='Masked denoising loss',
            plot_bgcolor=visualization.PlotConfig.BACKGROUND_COLOR,
            font={'size': visualization.PlotConfig.FONT_SIZE},
        )
        return figure
