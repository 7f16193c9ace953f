# Copyright (c) irg_mm contributors. All rights reserved.
import warnings

import pytest
import torch
from mmrazor.registry import MODELS

NUM_SAMPLES, NUM_CLASSES, TAU, ALPHA, BETA, WEIGHT = 4, 6, 2.0, 1.0, 0.5, 0.7


def _kl_terms(target: torch.Tensor, log_pred: torch.Tensor) -> torch.Tensor:
    # 0 * log 0 is 0, as for F.kl_div.
    return torch.where(target > 0, target * (torch.log(target) - log_pred),
                       torch.zeros_like(target))


def _hand_dkd_parts(preds_S, preds_T, labels):
    """TCKD and NCKD element terms of Decoupled KD, from the paper."""
    p_s = torch.softmax(preds_S / TAU, dim=1)
    p_t = torch.softmax(preds_T / TAU, dim=1)
    is_gt = torch.nn.functional.one_hot(labels, NUM_CLASSES).bool()
    target_s, target_t = p_s[is_gt], p_t[is_gt]
    binary_s = torch.stack([target_s, 1 - target_s], dim=1)
    binary_t = torch.stack([target_t, 1 - target_t], dim=1)
    tckd = _kl_terms(binary_t, torch.log(binary_s))
    # Non-target distributions: renormalised over the other classes; the
    # target class keeps a zero column, as in MMRazor's masked softmax.
    others_s = torch.where(is_gt, 0, p_s) / (1 - target_s)[:, None]
    others_t = torch.where(is_gt, 0, p_t) / (1 - target_t)[:, None]
    nckd = _kl_terms(others_t, torch.log(others_s.clamp_min(1e-300)))
    return tckd * TAU**2, nckd * TAU**2


def _reduce(terms, reduction):
    if reduction == 'mean':
        return terms.mean()
    if reduction == 'batchmean':
        return terms.sum() / NUM_SAMPLES
    if reduction == 'sum':
        return terms.sum()
    return terms.sum(dim=1)


def _inputs():
    torch.manual_seed(0)
    shape = (NUM_SAMPLES, NUM_CLASSES)
    preds_S = torch.randn(shape, dtype=torch.float64)
    preds_T = torch.randn(shape, dtype=torch.float64)
    return preds_S, preds_T, torch.tensor([0, 3, 5, 3])


def _dkd(reduction):
    return MODELS.build(
        dict(
            type='DKDLoss',
            tau=TAU,
            alpha=ALPHA,
            beta=BETA,
            loss_weight=WEIGHT,
            reduction=reduction))


@pytest.mark.parametrize('reduction', ['mean', 'sum', 'batchmean', 'none'])
def test_dkd_loss_matches_hand_computation(reduction):
    preds_S, preds_T, labels = _inputs()
    tckd, nckd = _hand_dkd_parts(preds_S, preds_T, labels)
    expected = WEIGHT * (
        ALPHA * _reduce(tckd, reduction) + BETA * _reduce(nckd, reduction))

    with warnings.catch_warnings():
        # MMRazor's legacy `size_average` raised a deprecation warning here.
        warnings.simplefilter('error')
        loss = _dkd(reduction)(preds_S, preds_T, labels)

    torch.testing.assert_close(loss, expected, rtol=1e-9, atol=0)


def test_dkd_mean_is_not_the_sum():
    preds_S, preds_T, labels = _inputs()
    mean = _dkd('mean')(preds_S, preds_T, labels)
    total = _dkd('sum')(preds_S, preds_T, labels)
    assert mean < total / NUM_SAMPLES
