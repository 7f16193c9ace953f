# IRG's three kinds of knowledge and Hinton's KD in ONE ConfigurableDistiller,
# written out in MMRazor's expanded form (what IRGDistiller generates; see
# docs/method.md). One edge term (teacher's last block -> student's last
# block) and one transformation (across the student's first stage boundary)
# keep it short.
_base_ = ['../_base_/digits_distill.py']

model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc'),
            edges=dict(type='IRGGraph', sources=['backbone.layer3.0']),
            stage1=dict(
                type='IRGGraph',
                sources=['backbone.layer1.0', 'backbone.layer2.0'],
                pooling='none')),
        teacher_recorders=dict(
            logits=dict(type='ModuleOutputs', source='head.fc'),
            edges=dict(type='IRGGraph', sources=['backbone.layer3.2']),
            stage1=dict(
                type='IRGGraph',
                sources=['backbone.layer1.2', 'backbone.layer2.2'],
                pooling='none')),
        connectors=dict(
            stage1_s=dict(type='IRGTransformConnector'),
            stage1_t=dict(type='IRGTransformConnector')),
        distill_losses=dict(
            loss_irg_vertex=dict(type='IRGVertexLoss', loss_weight=0.1),
            loss_irg_edge=dict(type='IRGEdgeLoss', loss_weight=0.5),
            loss_irg_transform=dict(type='IRGTransformLoss', loss_weight=0.5),
            loss_kd=dict(type='KLDivergence', tau=4, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_irg_vertex=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')),
            loss_irg_edge=dict(
                preds_S=dict(from_student=True, recorder='edges', data_idx=0),
                preds_T=dict(from_student=False, recorder='edges',
                             data_idx=0)),
            loss_irg_transform=dict(
                preds_S=dict(
                    from_student=True, recorder='stage1',
                    connector='stage1_s'),
                preds_T=dict(
                    from_student=False,
                    recorder='stage1',
                    connector='stage1_t')),
            loss_kd=dict(
                preds_S=dict(from_student=True, recorder='logits'),
                preds_T=dict(from_student=False, recorder='logits')))))
