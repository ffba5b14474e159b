"""Forecasters: deep (LSTM, TFT) and statistical (statsforecast) behind one interface."""
