// spheres.pov: a small POV-Ray 3.7 scene for rscript's POV-Ray background renderer.
// Renders in well under a second at 320x240:
//   povray +Ispheres.pov +Ospheres.png +W320 +H240 +FN -D +V
// or, through rscript:
//   rscript render scripts/examples/scenes/spheres.pov --renderer POV-Ray --res 320x240
#version 3.7;

global_settings { assumed_gamma 1.0 }

camera {
  location <0, 2.2, -6>
  look_at  <0, 0.8, 0>
  right    x * image_width / image_height
  angle    50
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

sphere { <-1.6, 0.7, 0.4>, 0.7 pigment { color rgb <0.85, 0.2, 0.15> } finish { Shiny } }
sphere { < 0.0, 1.0, 1.0>, 1.0 pigment { color rgb <0.9, 0.9, 0.95> } finish { Shiny reflection 0.5 } }
sphere { < 1.6, 0.5, 0.0>, 0.5 pigment { color rgb <0.15, 0.45, 0.85> } finish { Shiny } }
sphere { < 0.7, 0.25, -1.2>, 0.25 pigment { color rgb <0.95, 0.75, 0.1> } finish { Shiny } }
