// orbit.pov: a small POV-Ray 3.7 animation for rscript's frame-range renderer. A red sphere
// orbits a white one, a full turn every 24 frames (it moves with frame_number, so a frame looks
// the same whichever range it is rendered in); the camera swings a little with `clock`, which
// runs from 0 to 1 over the frames rendered (see docs/frames.md).
//   rscript render scripts/examples/scenes/orbit.pov --renderer POV-Ray --frames 1-24 --workers 2 --res 320x240
// or POV-Ray alone, frame 5 of 24:
//   povray +Iorbit.pov +W320 +H240 +FN -D +KFI1 +KFF24 +SF5 +EF5 +Oorbit_
#version 3.7;

global_settings { assumed_gamma 1.0 }

#declare Turn = frame_number / 24;

camera {
  location <-1 + 2 * clock, 2.6, -6.5>
  look_at  <0, 0.7, 0>
  right    x * image_width / image_height
  angle    48
}

light_source { <-6, 10, -8> color rgb <1.0, 0.97, 0.92> }
light_source { < 6,  4, -4> color rgb <0.25, 0.3, 0.4> shadowless }

sky_sphere {
  pigment { gradient y color_map { [0 color rgb <0.75, 0.8, 0.9>] [1 color rgb <0.25, 0.4, 0.75>] } }
}

plane {
  y, 0
  pigment { checker color rgb <0.85, 0.85, 0.85> color rgb <0.3, 0.3, 0.35> scale 0.8 }
  finish { diffuse 0.8 reflection 0.08 }
}

#declare Shiny = finish { specular 0.6 roughness 0.02 reflection 0.25 diffuse 0.7 }

sphere { <0, 1.0, 0>, 1.0 pigment { color rgb <0.9, 0.9, 0.95> } finish { Shiny reflection 0.45 } }
sphere {
  <2.1 * cos(2 * pi * Turn), 0.5 + 0.3 * sin(4 * pi * Turn), 2.1 * sin(2 * pi * Turn)>, 0.45
  pigment { color rgb <0.85, 0.2, 0.15> }
  finish { Shiny }
}
sphere {
  <1.5 * cos(-2 * pi * Turn + 1), 0.25, 1.5 * sin(-2 * pi * Turn + 1)>, 0.25
  pigment { color rgb <0.95, 0.75, 0.1> }
  finish { Shiny }
}
