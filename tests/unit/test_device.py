import logging

import torch

from sdv_missdiff._device import get_device


def _no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setattr(torch.backends.mps, 'is_available', lambda: False)


def test_enable_gpu_without_a_gpu_says_it_uses_the_cpu(monkeypatch, caplog):
    # Setup
    _no_gpu(monkeypatch)

    # Run
    with caplog.at_level(logging.INFO, logger='sdv_missdiff'):
        device = get_device(enable_gpu=True)

    # Assert
    assert device == torch.device('cpu')
    assert [record.levelno for record in caplog.records] == [logging.INFO]
    assert 'no CUDA or MPS device' in caplog.records[0].getMessage()


def test_cpu_on_request_logs_nothing(monkeypatch, caplog):
    # Setup
    _no_gpu(monkeypatch)

    # Run
    with caplog.at_level(logging.INFO, logger='sdv_missdiff'):
        device = get_device(enable_gpu=False)

    # Assert
    assert device == torch.device('cpu')
    assert not caplog.records


def test_bfloat16_in_hardware_is_a_cpu_matter():
    from sdv_missdiff._device import multiplies_bfloat16_in_hardware

    assert multiplies_bfloat16_in_hardware(torch.device('meta')) is False
    assert multiplies_bfloat16_in_hardware('cuda') is False
    expected = bool(torch.cpu._is_amx_tile_supported())
    assert multiplies_bfloat16_in_hardware('cpu') is expected
