#pragma once
// The reference's initialisation of the student networks (spec §3.2), for training them from scratch:
//  * the first sine layer (the face morpher's layer 0, the body morpher's level-0 layer 0): W ~ U(−1/in, 1/in);
//  * every other sine layer: W ~ U(−√(6/in)/ω0, √(6/in)/ω0) with ω0 = 30;
//  * the last linear layer: kaiming-normal weights (fan_in, leaky_relu gain √2);
//  * every bias: PyTorch's Conv2d default U(−1/√in, 1/√in).
// All draws come from LibTorch's default CPU generator, in state-dict order, so a seed fixes the weights.

#include "inference/student/student_networks.h"

namespace tha4 {

void initialize_siren_face_morpher(SirenFaceMorpherImpl& network);
void initialize_siren_body_morpher(SirenBodyMorpherImpl& network);

}  // namespace tha4
