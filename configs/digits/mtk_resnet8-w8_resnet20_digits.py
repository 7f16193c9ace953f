# The paper's full objective L_MTK: logits vertex term + edges +
# transformations, in IRGDistiller's compact form.
_base_ = ['./irg_resnet8-w8_resnet20_digits.py']

model = dict(distiller=dict(vertex=dict(loss_weight=0.1)))
